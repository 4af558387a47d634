using System.Net;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;
using Console.Tests.Observability;
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
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        for (var i = 0; i < 30; i++)
        {
            await RunAsync(deployment.Id);
        }

        var before = await ClaimTransactionsAsync();
        Task<IReadOnlyList<FlowRunDto>> first;
        List<Task<IReadOnlyList<FlowRunDto>>> queued;
        Task<HttpResponseMessage> noPool;
        Task<HttpResponseMessage> noQueue;
        await using (var holder = new SqliteConnection($"Data Source={Factory.DatabasePath};Pooling=False"))
        {
            await holder.OpenAsync();
            await ExecuteAsync(holder, "BEGIN IMMEDIATE");
            // The first poll's claim waits in BEGIN for the writer; the ones after it queue behind it.
            first = PollAsync(pool.Name, "w0", limit: 5);
            await Task.Delay(TimeSpan.FromSeconds(1));
            queued = [.. Enumerable.Range(1, 4).Select(i => PollAsync(pool.Name, $"w{i}", limit: 5))];
            noPool = Client.PostJsonAsync("/api/work-pools/no-such-pool/poll", new PollRequest { WorkerName = "w5" });
            noQueue = Client.PostJsonAsync($"/api/work-pools/{pool.Name}/poll", new PollRequest { WorkerName = "w6", Queues = ["no-such-queue"] });
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.False(first.IsCompleted, "the first poll should wait for the writer");
            await ExecuteAsync(holder, "ROLLBACK");
        }

        var answers = new List<IReadOnlyList<FlowRunDto>> { await first };
        foreach (var poll in queued)
        {
            answers.Add(await poll);
        }

        Assert.All(answers, a => Assert.Equal(5, a.Count));
        Assert.Equal(25, answers.SelectMany(a => a).Select(r => r.Id).Distinct().Count());
        await AssertProblemAsync(await noPool, HttpStatusCode.NotFound);
        await AssertProblemAsync(await noQueue, HttpStatusCode.NotFound);
        for (var i = 0; i < answers.Count; i++)
        {
            Assert.All(answers[i], r => Assert.Equal(FlowRunState.Pending, r.State));
            Assert.All(answers[i], r => Assert.Equal($"w{i}", r.WorkerName));
        }

        var after = await ClaimTransactionsAsync();
        // Five polls answered: the first alone, the four queued behind it together.
        Assert.Equal(5, after.Polls - before.Polls);
        Assert.Equal(2, after.Transactions - before.Transactions);
        Assert.Equal(5, (await GetAsync<List<FlowRunDto>>($"/api/flow-runs?pool={pool.Name}&state=Scheduled&limit=100")).Count);
    }

    /// <remarks>
    /// A new worker's two polls in one transaction would both add its row, and the save fails on the
    /// unique name: the transaction is undone and each poll claims again alone, the first adding the
    /// worker, the second finding it. Every poll of that transaction is answered as if it had been alone.
    /// </remarks>
    [Fact]
    public async Task When_a_shared_transaction_fails_each_of_its_polls_is_claimed_for_alone()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        for (var i = 0; i < 12; i++)
        {
            await RunAsync(deployment.Id);
        }

        var before = await ClaimTransactionsAsync();
        Task<IReadOnlyList<FlowRunDto>> first;
        List<Task<IReadOnlyList<FlowRunDto>>> queued;
        await using (var holder = new SqliteConnection($"Data Source={Factory.DatabasePath};Pooling=False"))
        {
            await holder.OpenAsync();
            await ExecuteAsync(holder, "BEGIN IMMEDIATE");
            first = PollAsync(pool.Name, "first", limit: 3);
            await Task.Delay(TimeSpan.FromSeconds(1));
            queued = [PollAsync(pool.Name, "twice", limit: 3), PollAsync(pool.Name, "twice", limit: 3), PollAsync(pool.Name, "other", limit: 3)];
            await Task.Delay(TimeSpan.FromSeconds(2));
            await ExecuteAsync(holder, "ROLLBACK");
        }

        var answers = new List<IReadOnlyList<FlowRunDto>> { await first };
        foreach (var poll in queued)
        {
            answers.Add(await poll);
        }

        Assert.All(answers, a => Assert.Equal(3, a.Count));
        Assert.Equal(12, answers.SelectMany(a => a).Select(r => r.Id).Distinct().Count());
        var workers = await GetAsync<List<WorkerDto>>($"/api/work-pools/{pool.Name}/workers");
        Assert.Equal(["first", "other", "twice"], workers.Select(w => w.Name).Order());
        Assert.Equal(6, workers.Single(w => w.Name == "twice").RunningRuns);

        // The first alone, the shared one undone (not counted), then its three polls alone.
        var after = await ClaimTransactionsAsync();
        Assert.Equal(4, after.Polls - before.Polls);
        Assert.Equal(4, after.Transactions - before.Transactions);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task<(double Polls, double Transactions)> ClaimTransactionsAsync()
    {
        var metrics = await Client.GetStringAsync("/metrics");
        return (PrometheusText.TryValue(metrics, "console_claim_polls_sum") ?? 0, PrometheusText.TryValue(metrics, "console_claim_polls_count") ?? 0);
    }
}
