using System.Collections.Concurrent;
using System.Data.Common;
using Console.Contracts;
using Console.Contracts.Deployments;
using Console.Contracts.Feed;
using Console.Core.Feed;
using Console.Core.Persistence;
using Console.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Api;

/// <summary>
/// A fleet's workers poll again every 30 s whether there is work or not, so an empty poll must cost
/// one transaction and nothing after it. The worker's view a poll publishes (its running count
/// beside the "last polled" stamps) is read inside the claim's own command, not by a query of its
/// own after the commit: on PostgreSQL that was one more pooled connection (and its reset) per poll.
/// So are the deployments' timeouts a claimed run's answer carries, and whether they have pull steps.
/// </summary>
public abstract class PollCommandTests(ApiFactory factory) : ApiTestBase(factory)
{
    [Fact]
    public async Task An_empty_poll_reads_the_workers_running_count_inside_its_claim_transaction()
    {
        var commands = new CommandLog();
        await using var host = Logged(commands);
        using var client = host.CreateClient();
        var pool = Unique("pool");
        await client.CreatePoolAsync(pool);
        await client.PollAsync(pool, "w", limit: 1);

        commands.Clear();
        Assert.Empty(await client.PollAsync(pool, "w", limit: 1));

        // The claim's own reads (its pool, its worker) are seen; none of the poll's reads of runs comes after the commit.
        Assert.Contains(commands.Seen, c => c.InTransaction && c.Text.Contains("FROM \"WorkPools\"", StringComparison.Ordinal));
        Assert.False(commands.ReadAfterCommit("FlowRuns"));
    }

    [Fact]
    public async Task A_claimed_run_gets_its_deployments_timeout_and_pull_steps_and_only_a_run_with_pull_steps_reads_them_after_the_claim()
    {
        var commands = new CommandLog();
        await using var host = Logged(commands);
        using var client = host.CreateClient();
        var pool = Unique("pool");
        await client.CreatePoolAsync(pool, "process");
        var folder = Path.GetTempPath().TrimEnd('/');
        var plain = await client.CreateDeploymentAsync(pool, Unique("flow"), Unique("dep"));
        var timed = await client.CreateDeploymentAsync(DeploymentRequest(pool) with { TimeoutSeconds = 30 });
        var pulled = await client.CreateDeploymentAsync(DeploymentRequest(pool) with
        {
            PullSteps = [new PullStepDto { SetWorkingDirectory = new SetWorkingDirectoryStep { Directory = folder } }],
        });

        // Neither: nothing of the deployment's is added, and nothing is read for it after the claim.
        await client.CreateRunAsync(plain.Id);
        commands.Clear();
        var run = Assert.Single(await client.PollAsync(pool, "w", limit: 1));
        Assert.Equal((plain.Id, (int?)null, 0), (run.DeploymentId, run.TimeoutSeconds, (run.PullSteps ?? []).Count));
        Assert.False(commands.ReadAfterCommit("Deployments"));

        // A timeout comes with the claim's own read.
        await client.CreateRunAsync(timed.Id);
        commands.Clear();
        run = Assert.Single(await client.PollAsync(pool, "w", limit: 1));
        Assert.Equal((timed.Id, (int?)30, 0), (run.DeploymentId, run.TimeoutSeconds, (run.PullSteps ?? []).Count));
        Assert.False(commands.ReadAfterCommit("Deployments"));

        // Pull steps are read for the runs that have them, as the deployment has them now.
        await client.CreateRunAsync(pulled.Id);
        commands.Clear();
        run = Assert.Single(await client.PollAsync(pool, "w", limit: 1));
        Assert.Equal((pulled.Id, (int?)null), (run.DeploymentId, run.TimeoutSeconds));
        Assert.Equal(folder, Assert.Single(run.PullSteps ?? []).SetWorkingDirectory?.Directory);
        Assert.True(commands.ReadAfterCommit("Deployments"));
    }

    private static CreateDeploymentRequest DeploymentRequest(string pool) => new()
    {
        FlowName = Unique("flow"),
        Name = Unique("dep"),
        Entrypoint = "flow.sh",
        Command = "sh flow.sh",
        WorkPoolName = pool,
    };

    [Fact]
    public async Task The_worker_view_a_poll_publishes_counts_the_runs_the_worker_holds()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        for (var i = 0; i < 3; i++)
        {
            await RunAsync(deployment.Id);
        }

        var views = new ConcurrentQueue<WorkerDto>();
        using var subscription = Factory.Services.GetRequiredService<IChangeFeed>().Subscribe(e =>
        {
            if (e is WorkerChanged { Worker.Name: "w", Polled: not null } changed)
            {
                views.Enqueue(changed.Worker);
            }
        });

        Assert.Equal(2, (await PollAsync(pool.Name, "w", limit: 2)).Count);
        Assert.Equal(2, await PublishedRunningAsync(views));
        Assert.Single(await PollAsync(pool.Name, "w", limit: 2));
        Assert.Equal(3, await PublishedRunningAsync(views));
        Assert.Empty(await PollAsync(pool.Name, "w", limit: 2));
        Assert.Equal(3, await PublishedRunningAsync(views));
        // A poll that asks for nothing claims nothing and reads nothing in its claim: its view is counted all the same.
        Assert.Empty(await PollAsync(pool.Name, "w", limit: 0));
        Assert.Equal(3, await PublishedRunningAsync(views));
    }

    /// <summary>This class's server with every command EF Core runs written to <paramref name="commands"/>.</summary>
    private WebApplicationFactory<Program> Logged(CommandLog commands) =>
        Factory.WithWebHostBuilder(b => b.ConfigureTestServices(s =>
            s.ConfigureDbContext<ConsoleDbContext>((_, options) => options.AddInterceptors(commands))));

    /// <summary>The running count of the one view the last poll published (a claim's view is published after its answer).</summary>
    private static async Task<int> PublishedRunningAsync(ConcurrentQueue<WorkerDto> views)
    {
        await Wait.UntilAsync(() => !views.IsEmpty, "the poll to publish its worker's view", 10);
        Assert.True(views.TryDequeue(out var view));
        Assert.Empty(views);
        return view.RunningRuns;
    }

    private sealed class CommandLog : DbCommandInterceptor
    {
        private readonly ConcurrentQueue<(string Text, bool InTransaction)> _seen = new();

        public IEnumerable<(string Text, bool InTransaction)> Seen => _seen;

        public void Clear() => _seen.Clear();

        /// <summary>Whether a command outside any transaction (after the claim's commit) read <paramref name="table"/>.</summary>
        public bool ReadAfterCommit(string table) =>
            _seen.Any(c => !c.InTransaction && c.Text.Contains($"FROM \"{table}\"", StringComparison.Ordinal));

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            _seen.Enqueue((command.CommandText, command.Transaction is not null));
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}

public sealed class SqlitePollCommandTests(ApiFactory factory) : PollCommandTests(factory), IClassFixture<ApiFactory>;

public sealed class PostgresPollCommandTests(PostgresApiFactory factory) : PollCommandTests(factory), IClassFixture<PostgresApiFactory>;
