using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Infrastructure;

/// <summary>
/// One replica of a scaled-out console: a real Kestrel host like <see cref="ConsoleServer"/>, on
/// its own loopback port, with the settings its fixture shares between replicas (database, Redis).
/// </summary>
public sealed class ReplicaServer(IReadOnlyDictionary<string, string?> shared, bool fakeTime = false) : ConsoleServer(fakeTime)
{
    // A field initializer: it runs before the base constructor, which already starts the host.
    private readonly IReadOnlyDictionary<string, string?> _shared = shared;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(_shared);

    /// <summary>Runs a job once on each replica, all released by one signal (a race as replicas would have it).</summary>
    public static async Task<TResult[]> AtOnceAsync<TJob, TResult>(IEnumerable<ReplicaServer> replicas, Func<TJob, Task<TResult>> run)
        where TJob : notnull
    {
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var jobs = replicas.Select(server => Task.Run(async () =>
        {
            await using var scope = server.Services.CreateAsyncScope();
            var job = scope.ServiceProvider.GetRequiredService<TJob>();
            await go.Task;
            return await run(job);
        })).ToList();
        go.SetResult();
        return await Task.WhenAll(jobs).WaitAsync(TimeSpan.FromSeconds(60));
    }
}
