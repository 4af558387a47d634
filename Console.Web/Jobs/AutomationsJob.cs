using Console.Core.Automations;

namespace Console.Web.Jobs;

/// <summary>
/// The automations' dispatcher on Hangfire (<see cref="AutomationDispatcher"/> says how delivery is
/// kept exactly once per action). Fired every second; a pass still running on this replica makes
/// the next one return at once, and attempts run side by side, each in its own scope, so one slow
/// receiver does not hold the others up.
/// </summary>
public sealed class AutomationsJob(IServiceScopeFactory scopes, AutomationsJobGate gate)
{
    private const int Parallel = 4;

    public async Task RunAsync(CancellationToken ct)
    {
        if (!await gate.Semaphore.WaitAsync(0, ct))
        {
            return;
        }

        try
        {
            await using (var scope = scopes.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<AutomationDispatcher>().MatchAsync(ct);
            }

            IReadOnlyList<Guid> due;
            await using (var scope = scopes.CreateAsyncScope())
            {
                due = await scope.ServiceProvider.GetRequiredService<AutomationDispatcher>().DueAsync(ct);
            }

            await System.Threading.Tasks.Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = Parallel, CancellationToken = ct }, async (id, token) =>
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<AutomationDispatcher>().DeliverAsync(id, token);
            });
        }
        finally
        {
            gate.Semaphore.Release();
        }
    }
}

/// <summary>One dispatcher pass at a time per replica (a singleton).</summary>
public sealed class AutomationsJobGate : IDisposable
{
    public SemaphoreSlim Semaphore { get; } = new(1, 1);

    public void Dispose() => Semaphore.Dispose();
}

/// <summary>Records what the clock causes and fires the timed triggers (<see cref="TimedTriggers"/>).</summary>
public sealed class TimedTriggersJob(TimedTriggers triggers)
{
    public Task RunAsync(CancellationToken ct) => triggers.RunAsync(ct);
}
