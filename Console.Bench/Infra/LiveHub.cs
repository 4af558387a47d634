using Console.Contracts.Common;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Bench.Infra;

/// <summary>A connection to a bench server's live hub, with the console's JSON settings (what its pages receive).</summary>
internal static class LiveHub
{
    public static HubConnection Connect(Uri server) => new HubConnectionBuilder()
        .WithUrl(new Uri(server, "/hubs/live"))
        .AddJsonProtocol(o => ConsoleJson.Configure(o.PayloadSerializerOptions))
        .Build();
}
