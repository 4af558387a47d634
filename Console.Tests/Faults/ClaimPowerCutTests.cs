using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.FlowRuns;
using Console.Tests.Worker;
using Xunit.Abstractions;
using static Console.Tests.Worker.WorkerTestKit;

namespace Console.Tests.Faults;

/// <summary>
/// R8: the server process is SIGKILLed (a power-cut style stop, nothing flushed by the app) while
/// several HTTP pollers claim about 200 runs a second; it restarts on the same SQLite file.
/// </summary>
public sealed class ClaimPowerCutTests(ITestOutputHelper output) : FaultTestBase(output)
{
    private const int Runs = 800;
    private const int Pollers = 8;
    private const int PerPoll = 5;
    private const int KillAfterClaims = 300;
    private const int MaxPollsPerPoller = 1000;

    // 8 pollers x 5 runs x 5 polls a second: about 200 claims/s (less on a busy machine: a poll
    // waits for its answer, and the rate reached is printed, never asserted).
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task A_server_SIGKILLed_under_200_claims_per_second_reopens_with_every_claim_kept_once_and_none_lost()
    {
        // Jobs stay off: the lease reaper would rightly requeue the pollers' claims once they stop polling.
        var server = Watch(await FaultServer.StartAsync(Folder.FullName));
        using var http = server.CreateHttpClient();
        var pool = Unique("r8");
        await http.CreatePoolAsync(pool, "process");
        var created = await CreateRunsAsync(http, pool);

        var seen = new ConcurrentDictionary<Guid, string>();
        var duplicates = new ConcurrentQueue<string>();
        var unexpected = new ConcurrentQueue<string>();
        var cutOff = new ConcurrentDictionary<string, bool>(); // pollers whose poll was in flight at the kill
        var killed = false;
        var names = Enumerable.Range(1, Pollers).Select(i => $"{pool}-p{i}").ToList();
        foreach (var name in names)
        {
            // Each poller is known (and the claim path warm) before the load starts.
            using var hello = await http.PostAsJsonAsync($"/api/work-pools/{pool}/poll", new PollRequest { WorkerName = name, Limit = 0, WaitSeconds = 0 }, ConsoleJson.Options);
            hello.EnsureSuccessStatusCode();
        }

        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var load = Stopwatch.StartNew();
        var pollers = names.Select(name => Task.Run(() => PollAsync(server, pool, name, seen, duplicates, unexpected, cutOff, () => Volatile.Read(ref killed), bound.Token))).ToList();

        await Wait.UntilAsync(() => seen.Count >= KillAfterClaims || pollers.All(p => p.IsCompleted), $"{KillAfterClaims} claims", 60);
        Volatile.Write(ref killed, true);
        await server.KillAsync();
        var loadTime = load.Elapsed;
        var claimedBeforeKill = seen.Count;
        await Task.WhenAll(pollers).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Empty(unexpected);
        Assert.Empty(duplicates);

        await server.StartAgainAsync(); // /healthz 200: the database opened after the kill

        var afterRestart = await ListAsync(http, pool);
        Assert.Equal(created.OrderBy(i => i), afterRestart.Keys.OrderBy(i => i)); // no run lost, none invented
        foreach (var (id, poller) in seen)
        {
            var run = afterRestart[id];
            Assert.True(run.State == FlowRunState.Pending && run.WorkerName == poller,
                $"run {id} was claimed by {poller} (the poller saw it) but is {run.State} of '{run.WorkerName}' after the restart");
        }

        // Claims whose answer the kill cut off may be committed or not; committed ones belong to a poller that was cut off.
        var unseen = afterRestart.Values.Where(r => r.State == FlowRunState.Pending && !seen.ContainsKey(r.Id)).ToList();
        Assert.All(unseen, r => Assert.True(cutOff.ContainsKey(r.WorkerName!), $"run {r.Id} is Pending for {r.WorkerName}, whose poll was not cut off"));
        Assert.True(unseen.Count <= cutOff.Count * PerPoll, $"{unseen.Count} unseen claims, at most {cutOff.Count} x {PerPoll} were in flight");
        Assert.All(afterRestart.Values, r => Assert.True(r.State is FlowRunState.Pending or FlowRunState.Scheduled or FlowRunState.Late,
            $"run {r.Id} is {r.State}"));

        var history = await ServerDatabase.ClaimCountsAsync(server.DatabasePath, pool);
        Assert.All(afterRestart.Values, r => Assert.Equal(r.State == FlowRunState.Pending ? 1 : 0, history.GetValueOrDefault(r.Id)));

        // The restarted server hands out exactly the runs nobody holds, once each.
        var drained = await DrainAsync(http, pool);
        var held = afterRestart.Values.Where(r => r.State == FlowRunState.Pending).Select(r => r.Id).ToHashSet();
        Assert.Empty(drained.Intersect(held));
        Assert.Equal(Runs, held.Count + drained.Count);
        Assert.Equal(Runs, drained.Distinct().Count() + held.Count);
        var final = await ServerDatabase.ClaimCountsAsync(server.DatabasePath, pool);
        Assert.Equal(Runs, final.Count);
        Assert.All(final, pair => Assert.Equal(1, pair.Value));

        Output.WriteLine($"verified: {claimedBeforeKill} claims seen by {Pollers} pollers in {loadTime.TotalSeconds:0.0} s " +
            $"({claimedBeforeKill / loadTime.TotalSeconds:0} claims/s), server SIGKILLed, {cutOff.Count} polls cut off, {unseen.Count} of their claims committed; " +
            $"after restart all {Runs} runs there, every seen claim Pending for its poller, {drained.Count} left claimed once by a new worker, none twice");
    }

    private static async Task PollAsync(ServerProcess server, string pool, string name, ConcurrentDictionary<Guid, string> seen,
        ConcurrentQueue<string> duplicates, ConcurrentQueue<string> unexpected, ConcurrentDictionary<string, bool> cutOff,
        Func<bool> killed, CancellationToken bound)
    {
        using var http = server.CreateHttpClient();
        using var pace = new PeriodicTimer(Pace);
        for (var i = 0; i < MaxPollsPerPoller && !bound.IsCancellationRequested; i++)
        {
            try
            {
                using var response = await http.PostAsJsonAsync($"/api/work-pools/{pool}/poll",
                    new PollRequest { WorkerName = name, Limit = PerPoll, WaitSeconds = 0 }, ConsoleJson.Options, bound);
                if (!response.IsSuccessStatusCode)
                {
                    unexpected.Enqueue($"{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(bound)}");
                    return;
                }

                var claimed = (await response.Content.ReadFromJsonAsync<List<FlowRunDto>>(ConsoleJson.Options, bound))!;
                foreach (var run in claimed)
                {
                    if (!seen.TryAdd(run.Id, name))
                    {
                        duplicates.Enqueue($"run {run.Id} claimed by {seen[run.Id]} and again by {name}");
                    }
                }

                if (killed())
                {
                    return; // answered just before the kill
                }
            }
            catch (Exception ex) when (killed() && ex is HttpRequestException or IOException or TaskCanceledException or JsonException)
            {
                cutOff[name] = true;
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException or JsonException)
            {
                unexpected.Enqueue($"{name} before the kill: {ex.GetType().Name}: {ex.Message}");
                return;
            }

            await pace.WaitForNextTickAsync(bound);
        }
    }

    private static async Task<List<Guid>> CreateRunsAsync(HttpClient http, string pool)
    {
        using var response = await http.PostAsJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = pool,
            Name = "claims",
            Entrypoint = "flow.sh",
            Command = "true",
            WorkPoolName = pool,
        }, ConsoleJson.Options);
        response.EnsureSuccessStatusCode();
        var deployment = (await response.Content.ReadFromJsonAsync<DeploymentDto>(ConsoleJson.Options))!;
        var ids = new ConcurrentBag<Guid>();
        await Parallel.ForAsync(0, Runs, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, ct) =>
        {
            using var run = await http.PostAsJsonAsync($"/api/deployments/{deployment.Id}/runs", new CreateFlowRunRequest(), ConsoleJson.Options, ct);
            run.EnsureSuccessStatusCode();
            ids.Add((await run.Content.ReadFromJsonAsync<FlowRunDto>(ConsoleJson.Options, ct))!.Id);
        });
        return [.. ids];
    }

    private static async Task<Dictionary<Guid, FlowRunDto>> ListAsync(HttpClient http, string pool) =>
        (await http.GetFromJsonAsync<List<FlowRunDto>>($"/api/flow-runs?pool={pool}&limit=10000", ConsoleJson.Options))!.ToDictionary(r => r.Id);

    private static async Task<List<Guid>> DrainAsync(HttpClient http, string pool)
    {
        var drained = new List<Guid>();
        for (var i = 0; i < (Runs / 100) + 10; i++)
        {
            using var response = await http.PostAsJsonAsync($"/api/work-pools/{pool}/poll",
                new PollRequest { WorkerName = $"{pool}-after", Limit = 100, WaitSeconds = 0 }, ConsoleJson.Options);
            response.EnsureSuccessStatusCode();
            var claimed = (await response.Content.ReadFromJsonAsync<List<FlowRunDto>>(ConsoleJson.Options))!;
            if (claimed.Count == 0)
            {
                return drained;
            }

            drained.AddRange(claimed.Select(r => r.Id));
        }

        throw new InvalidOperationException($"The pool still had runs to claim after {drained.Count} drained.");
    }
}
