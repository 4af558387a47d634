using System.Net;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Console.Tests.Api;

/// <summary>
/// On SQLite the polls that wait for the one writer share the next claim transaction. Seen from
/// outside: the writer is held by another connection, polls pile up behind the first one, and when
/// it is let go each poll gets its own runs (none twice), a poll naming a pool or queue that does
/// not exist gets its 404 while the others claim, and /metrics counts fewer transactions than polls.
/// </summary>
public sealed class SharedClaimTransactionTests(ApiFactory factory) : ApiTestBase(factory), IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Polls_queued_behind_a_claim_share_one_transaction_and_a_bad_one_fails_alone()
    {
        var pool = await PoolWithRunsAsync(30);
        var before = await Client.ClaimTransactionsAsync();
        Task<IReadOnlyList<FlowRunDto>> first = null!;
        List<Task<IReadOnlyList<FlowRunDto>>> queued = [];
        Task<HttpResponseMessage> noPool = null!;
        Task<HttpResponseMessage> noQueue = null!;
        await WhileTheWriterIsHeldAsync(
            () => first = PollAsync(pool, "w0", limit: 5),
            () =>
            {
                queued = [.. Enumerable.Range(1, 4).Select(i => PollAsync(pool, $"w{i}", limit: 5))];
                noPool = Client.PostJsonAsync("/api/work-pools/no-such-pool/poll", new PollRequest { WorkerName = "w5" });
                noQueue = Client.PostJsonAsync($"/api/work-pools/{pool}/poll", new PollRequest { WorkerName = "w6", Queues = ["no-such-queue"] });
            });

        IReadOnlyList<FlowRunDto>[] answers = [await first, .. await Task.WhenAll(queued)];

        Assert.All(answers, a => Assert.Equal(5, a.Count));
        Assert.Equal(25, answers.SelectMany(a => a).Select(r => r.Id).Distinct().Count());
        await AssertProblemAsync(await noPool, HttpStatusCode.NotFound);
        await AssertProblemAsync(await noQueue, HttpStatusCode.NotFound);
        for (var i = 0; i < answers.Length; i++)
        {
            Assert.All(answers[i], r => Assert.Equal(FlowRunState.Pending, r.State));
            Assert.All(answers[i], r => Assert.Equal($"w{i}", r.WorkerName));
        }

        var after = await Client.ClaimTransactionsAsync();
        // Five polls answered: the first alone, the four queued behind it together.
        Assert.Equal(5, after.Polls - before.Polls);
        Assert.Equal(2, after.Transactions - before.Transactions);
        Assert.Equal(5, (await GetAsync<List<FlowRunDto>>($"/api/flow-runs?pool={pool}&state=Scheduled&limit=100")).Count);
    }

    /// <remarks>
    /// A new worker's two polls in one transaction would both add its row, and the save fails on the
    /// unique name: the transaction is undone and each poll claims again alone, the first adding the
    /// worker, the second finding it. Every poll of that transaction is answered as if it had been alone.
    /// </remarks>
    [Fact]
    public async Task When_a_shared_transaction_fails_each_of_its_polls_is_claimed_for_alone()
    {
        var pool = await PoolWithRunsAsync(12);
        var before = await Client.ClaimTransactionsAsync();
        Task<IReadOnlyList<FlowRunDto>> first = null!;
        List<Task<IReadOnlyList<FlowRunDto>>> queued = [];
        await WhileTheWriterIsHeldAsync(
            () => first = PollAsync(pool, "first", limit: 3),
            () => queued = [PollAsync(pool, "twice", limit: 3), PollAsync(pool, "twice", limit: 3), PollAsync(pool, "other", limit: 3)]);

        IReadOnlyList<FlowRunDto>[] answers = [await first, .. await Task.WhenAll(queued)];

        Assert.All(answers, a => Assert.Equal(3, a.Count));
        Assert.Equal(12, answers.SelectMany(a => a).Select(r => r.Id).Distinct().Count());
        var workers = await GetAsync<List<WorkerDto>>($"/api/work-pools/{pool}/workers");
        Assert.Equal(["first", "other", "twice"], workers.Select(w => w.Name).Order());
        Assert.Equal(6, workers.Single(w => w.Name == "twice").RunningRuns);

        // The first alone, the shared one undone (not counted), then its three polls alone.
        var after = await Client.ClaimTransactionsAsync();
        Assert.Equal(4, after.Polls - before.Polls);
        Assert.Equal(4, after.Transactions - before.Transactions);
    }

    private async Task<string> PoolWithRunsAsync(int runs)
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        for (var i = 0; i < runs; i++)
        {
            await RunAsync(deployment.Id);
        }

        return pool.Name;
    }

    /// <summary>
    /// Holds SQLite's write lock from a connection of its own: the claim of the poll <paramref name="sendFirst"/>
    /// sends waits for it in BEGIN, the polls <paramref name="sendQueued"/> sends a second later queue behind
    /// that claim, and two seconds later the lock is let go.
    /// </summary>
    private async Task WhileTheWriterIsHeldAsync(Func<Task> sendFirst, Action sendQueued)
    {
        await using var holder = new SqliteConnection($"Data Source={Factory.DatabasePath};Pooling=False");
        await holder.OpenAsync();
        await ExecuteAsync(holder, "BEGIN IMMEDIATE");
        var first = sendFirst();
        await Task.Delay(TimeSpan.FromSeconds(1));
        sendQueued();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(first.IsCompleted, "the first poll should wait for the writer");
        await ExecuteAsync(holder, "ROLLBACK");
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
