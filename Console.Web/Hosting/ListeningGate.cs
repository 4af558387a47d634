using Console.Worker.Hosting;

namespace Console.Web.Hosting;

/// <summary>The embedded worker runs from ApplicationStarted (the console listens) to ApplicationStopping.</summary>
public sealed class ListeningGate(IHostApplicationLifetime lifetime) : IWorkerHostSignals
{
    public CancellationToken Stopping => lifetime.ApplicationStopping;

    public async Task ReadyAsync(CancellationToken cancellationToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(cancellationToken);
    }
}
