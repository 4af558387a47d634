using Console.Testing;
using Xunit.Abstractions;

namespace Console.Tests.Faults;

/// <summary>A race the server handles leaves no error in its log: operators read a <c>fail:</c> line as a fault.</summary>
public sealed class WorkerRaceLogTests(ITestOutputHelper output) : FaultTestBase(output)
{
    [Fact]
    public async Task New_workers_racing_their_first_heartbeat_and_polls_are_all_answered_and_log_no_fail_line()
    {
        var server = Watch(await FaultServer.StartAsync(Folder.FullName));
        using var http = server.CreateHttpClient();
        var pool = Unique("race");
        await http.CreatePoolAsync(pool);

        // Each new worker sends its first heartbeat and two polls at the same moment, as a worker
        // fleet starting does: they race to insert the worker's row, and the unique index decides.
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = Enumerable.Range(0, 60).SelectMany(i => new Func<Task>[]
        {
            () => http.HeartbeatAsync(pool, $"fresh-{i}", intervalSeconds: 10),
            () => http.PollAsync(pool, $"fresh-{i}"),
            () => http.PollAsync(pool, $"fresh-{i}"),
        }).Select(send => Task.Run(async () =>
        {
            await start.Task;
            await send();
        })).ToList();
        start.SetResult();
        await Task.WhenAll(requests); // each throws on an answer other than 2xx

        Assert.Equal(60, (await http.WorkersAsync(pool)).Count);
        Assert.False(server.Process.Said("fail:"), $"the server logged a failure:\n{server.Process.RecentOutput(60)}");
    }
}
