using System.Net;
using System.Net.Sockets;
using Console.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace Console.Tests.Worker;

/// <summary>
/// The real app on a fixed loopback port over a database file that outlives it, so a test can stop
/// the server and start it again where the worker expects it (R3).
/// </summary>
internal sealed class RestartableServer : ApiFactory
{
    private readonly string _database;
    private readonly int _port;

    public RestartableServer(string database, int port)
    {
        _database = database;
        _port = port;
        UseKestrel(port);
        StartServer();
    }

    public string BaseUrl => $"http://127.0.0.1:{_port}";

    public HttpClient CreateHttpClient() => new() { BaseAddress = new Uri(BaseUrl) };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("ConnectionStrings:Console", $"Data Source={_database}");
        builder.UseUrls($"http://127.0.0.1:{_port}");
    }
}
