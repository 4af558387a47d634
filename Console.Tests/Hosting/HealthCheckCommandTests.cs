using System.Net;
using System.Net.Sockets;
using Console.Tests.Infrastructure;
using Console.Web.Hosting;

namespace Console.Tests.Hosting;

/// <summary><c>Console.Web.dll --health-check</c>, the container image's HEALTHCHECK, against a real port.</summary>
public sealed class HealthCheckCommandTests
{
    [Fact]
    public async Task It_exits_0_when_the_console_on_that_port_answers_healthz()
    {
        using var server = new ConsoleServer();
        var port = new Uri(server.BaseUrl).Port;

        Assert.Equal(0, await HealthCheckCommand.RunAsync([HealthCheckCommand.Argument, "--urls", $"http://0.0.0.0:{port}"]));
        Assert.Equal(0, await HealthCheckCommand.RunAsync([HealthCheckCommand.Argument, "--http_ports", port.ToString()]));
    }

    [Fact]
    public async Task It_exits_1_when_nothing_answers()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        Assert.Equal(1, await HealthCheckCommand.RunAsync([HealthCheckCommand.Argument, "--urls", $"http://+:{port}"]));
    }

    [Fact]
    public void Only_the_first_argument_asks_for_it() =>
        Assert.Equal((true, false, false), (
            HealthCheckCommand.IsRequested([HealthCheckCommand.Argument]),
            HealthCheckCommand.IsRequested(["--urls", HealthCheckCommand.Argument]),
            HealthCheckCommand.IsRequested([])));
}
