using System.Threading.Channels;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.FlowRuns;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Cli.FlowRuns;

/// <summary>
/// Follows one flow run live through the hub (<c>WatchFlowRun</c>, events <c>FlowRunChanged</c> and
/// <c>LogLines</c>) until it reaches a terminal state. After joining it reads the run and its logs
/// over REST once, so nothing said before the join is missed; a quiet hub is double-checked over
/// REST now and then, and without a hub the watcher polls. It connects by WebSockets without the
/// negotiate round trip, so behind a round-robin balancer the one connection lands on one replica
/// and no sticky session is needed (docs/scale-out.md). A run's events carry its version: one older
/// than what the watcher has is dropped; after a gap (a reconnect, or the hub's <c>Resync</c> once
/// the replicas' Redis is back) it reads the run again over REST.
/// </summary>
public sealed class RunWatcher(ApiClient api, CliContext cli, CliOutput output)
{
    public static readonly TimeSpan QuietCheck = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public async Task<FlowRunDto> WatchAsync(FlowRunDto run, bool showStates, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(run);
        var printer = new RunPrinter(output);
        if (showStates)
        {
            printer.State(run, run.CreatedAt);
        }

        var events = Channel.CreateUnbounded<object>();
        await using var hub = BuildHub(run.Id, events.Writer);
        var live = await TryJoinAsync(hub, run.Id, ct);

        // Catch up on everything that happened before the join: states from the timeline, then logs.
        // The timeline is read before the run, so the run is never older than the last state replayed
        // (read the other way round, a transition in between printed Running, then Pending again).
        var history = showStates ? await api.GetAsync<List<StateChangeDto>>($"/api/flow-runs/{run.Id}/history", ct) : [];
        run = await GetRunAsync(run.Id, ct);
        var early = new List<LogLineDto>();
        while (await api.GetAsync<List<LogLineDto>>($"/api/flow-runs/{run.Id}/logs?after={Math.Max(printer.LastSeq, early.LastOrDefault()?.Seq ?? 0)}", ct) is { Count: > 0 } page)
        {
            early.AddRange(page);
        }

        printer.Replay(run, history, early);
        if (showStates)
        {
            printer.State(run);
        }

        while (!run.State.IsTerminal())
        {
            var fromRest = true;
            if (live)
            {
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct);
                quiet.CancelAfter(QuietCheck);
                try
                {
                    var change = await events.Reader.ReadAsync(quiet.Token);
                    fromRest = false;
                    switch (change)
                    {
                        case FlowRunDto changed when !changed.IsStaleAgainst(run):
                            run = changed;
                            break;
                        case LogLineDto[] lines:
                            printer.Logs(lines);
                            break;
                        case Resync:
                            fromRest = true;
                            break;
                    }
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    // A quiet hub: double-check over REST.
                }
            }
            else
            {
                await Task.Delay(PollInterval, ct);
            }

            if (fromRest)
            {
                var read = await GetRunAsync(run.Id, ct);
                run = read.IsStaleAgainst(run) ? run : read;
                await CatchUpLogsAsync(run.Id, printer, ct);
            }

            if (showStates)
            {
                printer.State(run);
            }
        }

        // Lines shipped just before the final state may still be on their way through the hub.
        await CatchUpLogsAsync(run.Id, printer, ct);
        return run;
    }

    private HubConnection BuildHub(Guid runId, ChannelWriter<object> events)
    {
        var hub = LiveHubConnection.Build(cli);
        hub.On<FlowRunDto>("FlowRunChanged", changed =>
        {
            if (changed.Id == runId)
            {
                events.TryWrite(changed);
            }
        });
        hub.On<Guid, LogLineDto[]>("LogLines", (id, lines) =>
        {
            if (id == runId)
            {
                events.TryWrite(lines);
            }
        });
        hub.On("Resync", () => events.TryWrite(new Resync()));
        hub.Reconnected += async _ =>
        {
            // A new connection is in no group: join again, then read what the gap hid.
            await hub.InvokeAsync("WatchFlowRun", runId);
            events.TryWrite(new Resync());
        };
        return hub;
    }

    private async Task<bool> TryJoinAsync(HubConnection hub, Guid runId, CancellationToken ct)
    {
        try
        {
            await hub.StartAsync(ct);
            await hub.InvokeAsync("WatchFlowRun", runId, ct);
            return true;
        }
#pragma warning disable CA1031 // Any hub failure degrades to polling over REST; the REST calls report real outages.
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
#pragma warning restore CA1031
        {
            output.Note($"Live updates are not available ({ex.Message}); polling every {PollInterval.TotalSeconds:0} s instead.");
            return false;
        }
    }

    private async Task<FlowRunDto> GetRunAsync(Guid id, CancellationToken ct) =>
        await api.GetAsync<FlowRunDto>($"/api/flow-runs/{id}", ct);

    private Task CatchUpLogsAsync(Guid id, RunPrinter printer, CancellationToken ct) => ReadLogsAsync(api, id, printer, ct);

    /// <summary>Prints every line after the printer's last one, page after page.</summary>
    public static async Task ReadLogsAsync(ApiClient api, Guid id, RunPrinter printer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(printer);
        while (true)
        {
            var lines = await api.GetAsync<List<LogLineDto>>($"/api/flow-runs/{id}/logs?after={printer.LastSeq}", ct);
            if (lines.Count == 0)
            {
                return;
            }

            printer.Logs(lines);
        }
    }

    private sealed record Resync;
}
