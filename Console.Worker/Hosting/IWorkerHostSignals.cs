namespace Console.Worker.Hosting;

/// <summary>
/// When a worker hosted inside another app may run. The console's embedded worker starts once the
/// console listens (its first polls neither fail nor reach whatever else holds the port) and stops
/// as soon as the console begins to stop, before the server closes under its polls.
/// </summary>
public interface IWorkerHostSignals
{
    Task ReadyAsync(CancellationToken cancellationToken);

    CancellationToken Stopping { get; }
}
