using Console.Cli.Hosting;
using Console.Contracts.Common;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Cli.Api;

/// <summary>A connection to the console's live hub with the CLI's key and the product's JSON, reconnecting on its own; WebSockets only, so any replica behind a balancer will do.</summary>
public static class LiveHubConnection
{
    public static HubConnection Build(CliContext cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        return new HubConnectionBuilder()
            .WithUrl(cli.ApiUrl + "/hubs/live", HttpTransportType.WebSockets, options =>
            {
                // Negotiate and connect are two requests a round-robin balancer may send to two
                // replicas (the second answers 404); one WebSocket request needs no stickiness.
                options.SkipNegotiation = true;
                if (cli.ApiKey is { } key)
                {
                    options.AccessTokenProvider = () => Task.FromResult<string?>(key);
                }
            })
            .AddJsonProtocol(options => ConsoleJson.Configure(options.PayloadSerializerOptions))
            .WithAutomaticReconnect()
            .Build();
    }
}
