namespace Console.Web.Jobs;

/// <summary>
/// When this server process started: the reaper's grace period counts from it. A hosted service
/// only so that it is created as the host starts, not when the reaper first asks.
/// </summary>
public sealed class ServerStart(TimeProvider time) : IHostedService
{
    public DateTime At { get; } = time.GetUtcNow().UtcDateTime;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
