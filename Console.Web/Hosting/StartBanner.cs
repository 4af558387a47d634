using Console.Worker;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Console.Web.Hosting;

/// <summary>
/// The first screen of the terminal, as Prefect's <c>prefect server start</c> has it: where the
/// console is (the addresses it actually bound) and how to start a worker. Printed once the
/// server listens; a host without addresses (the tests' in-memory server) prints nothing.
/// </summary>
public sealed class StartBanner(IHostApplicationLifetime lifetime, IServer server, IOptions<WorkerOptions> worker) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(Print);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Print()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is not { Count: > 0 })
        {
            return;
        }

        var url = EmbeddedWorker.LoopbackAddress(string.Join(';', addresses));
        var options = worker.Value;
        var lines = new List<string>
        {
            string.Empty,
            $"  The console is running at {url}  (listening on {string.Join(", ", addresses)})",
            string.Empty,
            $"  Work pools:   {url}/work-pools",
            $"  API:          {url}/scalar/v1",
            "  Start a worker for a pool (cx: see the README's first steps):",
            "      cx work-pool create --type docker my-docker-pool",
            "      cx worker start --pool my-docker-pool",
        };
        if (options.Enabled && options.Pools.Count > 0)
        {
            lines.Add($"  The console's own worker serves {string.Join(", ", options.Pools)} (created as a process pool when missing: its flows run");
            lines.Add("  as processes on this machine; Worker:Pools in appsettings.json, Worker__Enabled=false turns it off).");
        }

        lines.Add("  Press Ctrl+C to stop.");
        lines.Add(string.Empty);
        System.Console.Out.Write(string.Join(Environment.NewLine, lines) + Environment.NewLine);
        System.Console.Out.Flush();
    }
}
