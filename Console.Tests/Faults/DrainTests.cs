using System.Net;
using System.Net.Http.Json;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.FlowRuns;
using Xunit.Abstractions;

namespace Console.Tests.Faults;

/// <summary>
/// Graceful drain (docs/workers.md): a real <c>cx worker start</c> on a process pool, stopped the way
/// systemd and Kubernetes stop it (SIGTERM) or drained over REST, while a run waits for the test's go.
/// </summary>
public sealed class DrainTests(ITestOutputHelper output) : FaultTestBase(output)
{
    /// <summary>One run at a time, so the second run waits for the first one's slot; beats every 2 s.</summary>
    private static readonly Dictionary<string, string?> OneAtATime = new()
    {
        ["Worker:Limit"] = "1",
        ["Worker:HeartbeatIntervalSeconds"] = "2",
    };

    [Fact]
    public async Task A_SIGTERMed_worker_shows_Draining_finishes_its_run_claims_nothing_new_and_exits_0_Offline_at_once()
    {
        var (http, pool, name, first, second, worker) = await StartBusyWorkerAsync("drain-term");

        worker.Terminate();
        await Wait.UntilAsync(async () => await StatusAsync(http, pool, name) == WorkerStatus.Draining, "the worker to show Draining", 30);
        Assert.False(worker.HasExited, "the worker exited before its run ended");
        Assert.Equal(FlowRunState.Running, (await http.GetRunAsync(first.Id)).State);

        await File.WriteAllTextAsync(Go, "go");
        var done = await http.WaitForStateAsync(first.Id, FlowRunState.Completed, 60);
        await worker.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, worker.ExitCode);
        Assert.Equal(WorkerStatus.Offline, await StatusAsync(http, pool, name)); // it said it stopped: no 3 x heartbeat wait
        Assert.Equal(["started", "finished"], await http.OutputAsync(done.Id));
        await AssertNotClaimedAsync(http, second);
        Assert.True(worker.Said("is draining"), "the worker's output says it drains");
        Output.WriteLine($"verified: SIGTERM; {name} Draining, run {first.Id} Completed, run {second.Id} left unclaimed, exit 0, Offline at once");
    }

    [Fact]
    public async Task A_drain_over_REST_refuses_the_workers_claims_and_the_worker_finishes_its_run_and_exits_0()
    {
        var (http, pool, name, first, second, worker) = await StartBusyWorkerAsync("drain-rest");

        var drained = await http.SendAsync<WorkerDto>(HttpMethod.Post, $"/api/work-pools/{pool}/workers/{name}/drain", null, HttpStatusCode.OK);
        Assert.Equal((WorkerStatus.Draining, 1), (drained.Status, drained.RunningRuns));
        Assert.NotNull(drained.DrainingSince);
        // The server refuses its claims even from a worker that did not hear of the drain (an older one).
        Assert.Empty(await http.ClaimAsync(pool, name));
        await Wait.UntilAsync(() => worker.Said("is draining"), "the worker to hear of the drain from its heartbeat", 30);
        Assert.False(worker.HasExited, "the worker exited before its run ended");

        await File.WriteAllTextAsync(Go, "go");
        await http.WaitForStateAsync(first.Id, FlowRunState.Completed, 60);
        await worker.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, worker.ExitCode);
        Assert.Equal(WorkerStatus.Offline, await StatusAsync(http, pool, name));
        await AssertNotClaimedAsync(http, second);

        // Offline and unknown workers cannot be drained; a bad name is a 400.
        Assert.Equal(HttpStatusCode.Conflict, await DrainStatusAsync(http, pool, name));
        Assert.Equal(HttpStatusCode.NotFound, await DrainStatusAsync(http, pool, "nobody"));
        Assert.Equal(HttpStatusCode.BadRequest, await DrainStatusAsync(http, pool, "Not_A-Name!"));
        Output.WriteLine($"verified: REST drain; claims refused, run {first.Id} Completed, run {second.Id} left unclaimed, exit 0, Offline");
    }

    [Fact]
    public async Task At_the_drain_timeout_the_worker_stops_its_run_reports_it_Crashed_and_exits_0()
    {
        var (http, pool, name, first, _, worker) = await StartBusyWorkerAsync("drain-timeout", ["--drain-timeout", "1"]);

        worker.Terminate(); // the go never comes
        var crashed = await http.WaitForStateAsync(first.Id, FlowRunState.Crashed, 60);
        await worker.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, worker.ExitCode);
        Assert.Contains("drain timeout (1 s)", crashed.StateMessage, StringComparison.Ordinal);
        Assert.Contains(name, crashed.StateMessage, StringComparison.Ordinal);
        Assert.Contains(await http.LogsAsync(first.Id), l => l.Stream == "worker" && l.Message.Contains("drain timeout (1 s) is over", StringComparison.Ordinal));
        Assert.Equal(WorkerStatus.Offline, await StatusAsync(http, pool, name));
        Output.WriteLine($"verified: --drain-timeout 1; run {first.Id} Crashed: {crashed.StateMessage}");
    }

    [Fact]
    public async Task A_second_SIGTERM_during_the_drain_stops_the_worker_at_once()
    {
        var (http, pool, name, first, _, worker) = await StartBusyWorkerAsync("drain-twice");

        worker.Terminate();
        await Wait.UntilAsync(async () => await StatusAsync(http, pool, name) == WorkerStatus.Draining, "the worker to show Draining", 30);
        worker.Terminate();
        await worker.WaitForExitAsync(TimeSpan.FromSeconds(30)); // well inside the 600 s drain timeout

        // A process run cannot outlive its worker: it was stopped and said so.
        var crashed = await http.WaitForStateAsync(first.Id, FlowRunState.Crashed, 30);
        Assert.Contains($"Worker {name} stopped while the process ran", crashed.StateMessage, StringComparison.Ordinal);
        Assert.True(worker.Said("drain interrupted"), "the worker's output says it stopped without waiting");
        Output.WriteLine($"verified: a second SIGTERM ended the drain at once (exit {worker.ExitCode}); run {first.Id} Crashed");
    }

    private string Go => Path.Combine(Folder.FullName, "go");

    /// <summary>A worker running one run that waits for <see cref="Go"/>, and a second run due behind it.</summary>
    private async Task<(HttpClient Http, string Pool, string Name, FlowRunDto First, FlowRunDto Second, Console.Testing.ChildProcess Worker)> StartBusyWorkerAsync(
        string prefix, IEnumerable<string>? arguments = null)
    {
        var server = Watch(await FaultServer.StartAsync(Folder.FullName));
        var http = server.CreateHttpClient();
        var pool = Unique(prefix);
        var name = Unique("w");
        await http.CreatePoolAsync(pool, "process");
        var deployment = await http.CreateDeploymentAsync(pool, "waits", "dep",
            command: $"sh -c 'echo started; while [ ! -e {Go} ]; do sleep 0.1; done; echo finished'");
        var first = await http.CreateRunAsync(deployment.Id);
        var worker = StartWorker(server, pool, name, OneAtATime, arguments);
        await http.WaitForStateAsync(first.Id, FlowRunState.Running, 90);
        await Wait.UntilAsync(async () => (await http.OutputAsync(first.Id)).Contains("started"), "the run's first line", 60);
        var second = await http.CreateRunAsync(deployment.Id);
        return (http, pool, name, first, second, worker);
    }

    private static async Task<WorkerStatus?> StatusAsync(HttpClient http, string pool, string name) =>
        (await http.WorkersAsync(pool)).FirstOrDefault(w => w.Name == name)?.Status;

    private static async Task AssertNotClaimedAsync(HttpClient http, FlowRunDto run)
    {
        var waiting = await http.GetRunAsync(run.Id);
        Assert.Contains(waiting.State, new[] { FlowRunState.Scheduled, FlowRunState.Late });
        Assert.Null(waiting.WorkerName);
        Assert.DoesNotContain(await http.HistoryAsync(run.Id), h => h.State == FlowRunState.Pending);
    }

    private static async Task<HttpStatusCode> DrainStatusAsync(HttpClient http, string pool, string worker)
    {
        using var response = await http.PostAsJsonAsync($"/api/work-pools/{pool}/workers/{Uri.EscapeDataString(worker)}/drain", new { }, ConsoleJson.Options);
        return response.StatusCode;
    }
}
