using Console.Contracts;
using Console.Contracts.Diagnostics;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;
using Console.Tests.Worker;
using Xunit.Abstractions;

namespace Console.Tests.Observability;

/// <summary>
/// The start estimate against a real process worker (docs/architecture.md, "Start estimates"): a pool
/// limit of 1, a deployment of <c>sleep 4</c> with a history of completed runs, four runs queued.
/// </summary>
public sealed class StartEstimateProcessTests(ConsoleServer server, ITestOutputHelper output) : IClassFixture<ConsoleServer>
{
    [Fact]
    public async Task The_fourth_queued_runs_estimated_start_is_within_30_percent_of_when_it_really_starts()
    {
        using var http = server.CreateHttpClient();
        var pool = ConsoleApi.UniqueName("estimate");
        await http.CreatePoolAsync(pool, "process", concurrencyLimit: 1);
        var deployment = await http.CreateDeploymentAsync(pool, ConsoleApi.UniqueName("sleepy"), "four", command: "sleep 4");
        await using var worker = await WorkerHost.StartAsync(server.BaseUrl, pool, ConsoleApi.UniqueName("w"));

        // A history: three completed runs teach the estimate how long this deployment holds its slot.
        var history = new List<FlowRunDto>();
        for (var i = 0; i < 3; i++)
        {
            history.Add(await http.CreateRunAsync(deployment.Id));
        }

        foreach (var run in history)
        {
            await http.WaitForStateAsync(run.Id, FlowRunState.Completed, 60);
        }

        var queued = new List<FlowRunDto>();
        for (var i = 0; i < 4; i++)
        {
            queued.Add(await http.CreateRunAsync(deployment.Id));
        }

        var asked = DateTime.UtcNow;
        var diagnosis = await http.GetJsonAsync<DiagnosisDto>($"/api/flow-runs/{queued[3].Id}/diagnosis");
        var estimate = diagnosis.EstimatedStartAt ?? throw new Xunit.Sdk.XunitException($"no estimate: {diagnosis.EstimateReason}");
        Assert.InRange(diagnosis.QueuePosition!.Value, 3, 4);
        Assert.Contains("median of its last 3 completed runs", diagnosis.EstimateReason, StringComparison.Ordinal);

        var started = (await http.WaitForStateAsync(queued[3].Id, s => s is FlowRunState.Running or FlowRunState.Completed, "the 4th run to start", 90)).StartedAt!.Value;
        var realWait = (started - asked).TotalSeconds;
        var error = Math.Abs((estimate - started).TotalSeconds);
        output.WriteLine($"position {diagnosis.QueuePosition}, estimated wait {(estimate - asked).TotalSeconds:F2} s, real wait {realWait:F2} s, error {error:F2} s ({error / realWait:P0}); {diagnosis.EstimateReason}");
        Assert.True(realWait > 8, $"the 4th run waited only {realWait:F1} s: the three before it should have held the one slot");
        Assert.True(error <= 0.3 * realWait, $"estimated {estimate:O}, started {started:O}: off by {error:F2} s of a {realWait:F2} s wait");
    }
}
