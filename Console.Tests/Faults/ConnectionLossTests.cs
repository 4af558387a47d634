using System.Collections.Concurrent;
using System.Diagnostics;
using Console.Contracts;
using Console.Contracts.Automations;
using Console.Contracts.Common;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Console.Tests.Automations;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Console.Tests.Faults;

/// <summary>
/// A worker SIGKILLed while its long-poll waits closes the connection: the server shows it Offline
/// (REST and the live hub) within seconds, not after three missed heartbeats. A worker whose polls
/// simply time out stays Online, and the killed worker started again is Online again.
/// </summary>
public sealed class ConnectionLossTests(ITestOutputHelper output) : FaultTestBase(output)
{
    [Fact]
    public async Task A_SIGKILLed_long_polling_worker_is_Offline_within_seconds_while_one_whose_polls_time_out_stays_Online()
    {
        // The periodic jobs stay off: the Offline comes from the lost connection, not the foreman.
        var server = Watch(await FaultServer.StartAsync(Folder.FullName));
        using var http = server.CreateHttpClient();
        var pool = Unique("lost");
        await http.CreatePoolAsync(pool);
        await using var hub = new HubConnectionBuilder()
            .WithUrl($"{server.BaseUrl}/hubs/live", HttpTransportType.WebSockets, o => o.SkipNegotiation = true)
            .AddJsonProtocol(o => ConsoleJson.Configure(o.PayloadSerializerOptions))
            .Build();
        var heard = new ConcurrentQueue<(WorkerDto Worker, DateTime At)>();
        using var on = hub.On<WorkerDto>("WorkerChanged", w => heard.Enqueue((w, DateTime.UtcNow)));
        await hub.StartAsync();
        await hub.InvokeAsync("JoinPool", pool);

        // Both heartbeat every 10 s: by that rule alone, Offline takes 20-30 s after a kill.
        var holder = StartWorker(server, pool, "holder", new Dictionary<string, string?>
        {
            ["Worker:PollWaitSeconds"] = "30",
            ["Worker:HeartbeatIntervalSeconds"] = "10",
        });
        StartWorker(server, pool, "short", new Dictionary<string, string?>
        {
            ["Worker:PollWaitSeconds"] = "1",
            ["Worker:HeartbeatIntervalSeconds"] = "10",
        });
        await Wait.UntilAsync(async () => (await http.WorkersAsync(pool)) is { Count: 2 } all
                && all.All(w => w.Status == WorkerStatus.Online && w.LastPolledAt is not null),
            "both workers Online and polling", 90);

        // The holder's poll now waits (nothing to claim) when it is killed.
        var killed = Stopwatch.StartNew();
        var killedAt = DateTime.UtcNow;
        await holder.KillAsync();
        await Wait.UntilAsync(async () => (await http.WorkersAsync(pool)).Single(w => w.Name == "holder").Status == WorkerStatus.Offline,
            "the killed worker to read Offline", 15);
        var rest = killed.Elapsed;
        await Wait.UntilAsync(() => heard.Any(h => h.Worker.Name == "holder" && h.Worker.Status == WorkerStatus.Offline && h.At >= killedAt),
            "WorkerChanged(Offline) on the hub", 10);
        var hubAt = heard.First(h => h.Worker.Name == "holder" && h.Worker.Status == WorkerStatus.Offline && h.At >= killedAt).At - killedAt;
        var lastBeat = (await http.WorkersAsync(pool)).Single(w => w.Name == "holder").LastHeartbeatAt;
        // By the heartbeat rule alone (3 x 10 s) it would have turned Offline only at lastBeat + 30 s.
        Assert.True(killedAt + rest < lastBeat.AddSeconds(30),
            $"Offline {rest.TotalSeconds:F1} s after the kill; the last heartbeat {lastBeat:O} explains that: the lost connection was not what told");

        // Automations hear of it at once too (the periodic jobs are off: no heartbeat rule recorded it).
        var offline = Assert.Single(await http.EventsAsync($"?type={EventTypes.WorkerOffline}&pool={pool}"));
        Assert.Equal("holder", offline.Resource.Name);
        Assert.InRange(offline.OccurredAt, killedAt, DateTime.UtcNow);

        // The other worker's polls ended by timeout many times meanwhile; it never read Offline.
        var shortWorker = (await http.WorkersAsync(pool)).Single(w => w.Name == "short");
        Assert.Equal(WorkerStatus.Online, shortWorker.Status);
        Assert.True(shortWorker.LastPolledAt > killedAt, "the short-polling worker polled again after the kill");
        Assert.DoesNotContain(heard, h => h.Worker.Name == "short" && h.Worker.Status == WorkerStatus.Offline);

        // The same worker started again polls, and is Online again.
        StartWorker(server, pool, "holder", new Dictionary<string, string?> { ["Worker:PollWaitSeconds"] = "30" });
        await Wait.UntilAsync(async () => (await http.WorkersAsync(pool)).Single(w => w.Name == "holder").Status == WorkerStatus.Online,
            "the restarted worker to read Online", 60);
        // REST reads the worker's presence as soon as its beat is heard; the hub's event follows the write.
        await Wait.UntilAsync(() => heard.Any(h => h.Worker.Name == "holder" && h.Worker.Status == WorkerStatus.Online && h.At > killedAt + hubAt),
            "WorkerChanged(Online) on the hub for the restarted worker", 10);
        await Wait.UntilAsync(async () => (await http.EventsAsync($"?type={EventTypes.WorkerOnline}&pool={pool}"))
                .Any(e => e.Resource.Name == "holder" && e.OccurredAt > offline.OccurredAt),
            "a worker.online event for the restarted worker", 10);
        Output.WriteLine($"verified: a worker SIGKILLed while holding a 30 s long-poll read Offline after {rest.TotalSeconds:F1} s (REST) and " +
            $"{hubAt.TotalSeconds:F1} s (hub), last heartbeat {(killedAt - lastBeat).TotalSeconds:F1} s before the kill; a worker whose 1 s polls time out stayed Online; " +
            "the killed one started again is Online");
    }
}
