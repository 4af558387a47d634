using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;
using static Console.Testing.PrometheusText;

namespace Console.Tests.Worker;

/// <summary>
/// A real worker runs a CPU-busy flow as a process, in a container and as a Swarm job on the local
/// single-node swarm: the end it reports carries
/// the CPU time and peak memory it measured, the REST API shows them with the wait and run time,
/// and /metrics counts the CPU per pool and deployment.
/// </summary>
public sealed class RunUsageTests(ConsoleServer server) : IClassFixture<ConsoleServer>, IDisposable
{
    /// <summary>
    /// Busy for about two seconds whatever the machine's load: the shell's own loop plus a short child
    /// per turn (<c>date</c>), whose CPU reaches the shell once it is waited for.
    /// </summary>
    internal const string BusyCommand = "sh -c 'end=$(( $(date +%s) + 2 )); while [ $(date +%s) -lt $end ]; do i=0; while [ $i -lt 200 ]; do i=$((i+1)); done; done; echo busy done'";

    private readonly HttpClient _http = server.CreateHttpClient();
    private readonly string _pool = "usage-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public Task A_busy_process_run_reports_its_cpu_time_and_peak_memory() => RunBusyAndAssertMeasuredAsync("process");

    [Fact]
    public async Task A_busy_docker_run_reports_its_containers_cpu_time_and_peak_memory()
    {
        TestEnvironment.RequireDocker();
        await RunBusyAndAssertMeasuredAsync("docker");
    }

    [Fact]
    public async Task A_busy_swarm_job_on_the_workers_own_engine_reports_its_task_containers_usage()
    {
        TestEnvironment.RequireSwarm();
        await RunBusyAndAssertMeasuredAsync("docker-swarm");
    }

    public void Dispose() => _http.Dispose();

    private async Task RunBusyAndAssertMeasuredAsync(string type)
    {
        await _http.CreatePoolAsync(_pool, type);
        await using var worker = await WorkerHost.StartAsync(server.BaseUrl, _pool, "w-" + Guid.NewGuid().ToString("N")[..8]);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // image_pull_policy is a docker pool's variable only (the test image is local).
        var run = await _http.RunAsync(_pool, BusyCommand, docker: type == "docker");

        var done = await _http.WaitForStateAsync(run.Id, FlowRunState.Completed);

        await AssertMeasuredAsync(done, clock.Elapsed);
    }

    private async Task AssertMeasuredAsync(FlowRunDto done, TimeSpan elapsed)
    {
        Assert.Equal(["busy done"], await _http.OutputAsync(done.Id));
        var usage = done.Usage ?? throw new Xunit.Sdk.XunitException($"run {done.Id} ended without usage");
        Assert.True(usage.CpuSeconds > 0, $"cpuSeconds {usage.CpuSeconds}");
        // A shell (or its container) holds at least a few hundred KiB resident; no flow holds a TiB.
        Assert.InRange(usage.PeakMemoryBytes ?? 0, 100 * 1024, 1L << 40);
        // No more CPU than the machine's two cores had while the test waited for the run; run and
        // wait time are the server's (Running is stored when the worker's report arrives, after the start).
        Assert.True(usage.CpuSeconds <= 2 * elapsed.TotalSeconds, $"cpuSeconds {usage.CpuSeconds} in {elapsed.TotalSeconds} s");
        Assert.Equal((done.EndedAt!.Value - done.StartedAt!.Value).TotalSeconds, usage.RunSeconds!.Value, 3);
        Assert.InRange(usage.RunSeconds.Value, 0.001, elapsed.TotalSeconds);
        Assert.InRange(usage.WaitSeconds ?? -1, 0, elapsed.TotalSeconds);

        // The same CPU seconds on /metrics, under the run's pool and deployment.
        var deployment = $"{done.FlowName}/{done.DeploymentName}";
        await Wait.UntilAsync(async () => TryValue(await _http.GetStringAsync(new Uri("/metrics", UriKind.Relative)),
            "console_flow_run_cpu_seconds_total", ("pool", _pool), ("deployment", deployment)) is { } cpu && Math.Abs(cpu - usage.CpuSeconds!.Value) < 1e-6,
            "the run's CPU seconds on /metrics", 15);
    }
}
