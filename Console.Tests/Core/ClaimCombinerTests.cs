using Console.Core.Polling;
using Console.Core.Workers;
using Console.Core.WorkPools;

namespace Console.Tests.Core;

/// <summary>
/// Who claims for whom (<see cref="ClaimCombiner"/>): the claims themselves are stand-ins that record
/// which polls each transaction served, and hold the first one open until the test lets it go.
/// </summary>
public sealed class ClaimCombinerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_poll_that_finds_no_claim_running_claims_alone_at_once()
    {
        var combiner = new ClaimCombiner();
        var claims = new Claims();

        var outcome = await combiner.ClaimAsync(Request("w0"), claims.RunAsync, CancellationToken.None).WaitAsync(Patience);

        Assert.Equal("w0", outcome.Worker.Name);
        Assert.Equal([["w0"]], claims.Batches);
    }

    [Fact]
    public async Task Polls_queued_behind_a_claim_are_claimed_together_in_arrival_order_each_with_its_own_answer()
    {
        var combiner = new ClaimCombiner();
        var claims = new Claims { HoldFirst = true };
        var first = combiner.ClaimAsync(Request("w0"), claims.RunAsync, CancellationToken.None);
        await claims.FirstStarted.WaitAsync(Patience);
        var queued = Enumerable.Range(1, 4).Select(i => combiner.ClaimAsync(Request($"w{i}"), claims.RunAsync, CancellationToken.None)).ToList();

        claims.ReleaseFirst();

        Assert.Equal("w0", (await first.WaitAsync(Patience)).Worker.Name);
        for (var i = 0; i < queued.Count; i++)
        {
            Assert.Equal($"w{i + 1}", (await queued[i].WaitAsync(Patience)).Worker.Name);
        }

        Assert.Equal([["w0"], ["w1", "w2", "w3", "w4"]], claims.Batches);
    }

    [Fact]
    public async Task More_polls_than_one_transaction_takes_are_claimed_in_several_and_all_answered()
    {
        var combiner = new ClaimCombiner(maxBatch: 3);
        var claims = new Claims { HoldFirst = true };
        var first = combiner.ClaimAsync(Request("w0"), claims.RunAsync, CancellationToken.None);
        await claims.FirstStarted.WaitAsync(Patience);
        var queued = Enumerable.Range(1, 7).Select(i => combiner.ClaimAsync(Request($"w{i}"), claims.RunAsync, CancellationToken.None)).ToList();

        claims.ReleaseFirst();

        await Task.WhenAll(queued.Append(first)).WaitAsync(Patience);
        Assert.Equal([["w0"], ["w1", "w2", "w3"], ["w4", "w5", "w6"], ["w7"]], claims.Batches);
        Assert.Equal(Enumerable.Range(1, 7).Select(i => $"w{i}"), queued.Select(q => q.Result.Worker.Name));
    }

    [Fact]
    public async Task A_claim_that_fails_fails_its_own_polls_and_the_polls_after_it_still_claim()
    {
        var combiner = new ClaimCombiner();
        var claims = new Claims { HoldFirst = true, FailFirst = true };
        var first = combiner.ClaimAsync(Request("w0"), claims.RunAsync, CancellationToken.None);
        await claims.FirstStarted.WaitAsync(Patience);
        var queued = Enumerable.Range(1, 2).Select(i => combiner.ClaimAsync(Request($"w{i}"), claims.RunAsync, CancellationToken.None)).ToList();

        claims.ReleaseFirst();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => first.WaitAsync(Patience));
        Assert.Equal("the database went away", error.Message);
        Assert.Equal(["w1", "w2"], (await Task.WhenAll(queued).WaitAsync(Patience)).Select(o => o.Worker.Name));
        Assert.Equal("w3", (await combiner.ClaimAsync(Request("w3"), claims.RunAsync, CancellationToken.None).WaitAsync(Patience)).Worker.Name);
    }

    [Fact]
    public async Task A_poll_the_claim_left_unanswered_gets_an_error_instead_of_waiting_forever()
    {
        var combiner = new ClaimCombiner();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => combiner.ClaimAsync(Request("w0"), _ => Task.CompletedTask, CancellationToken.None).WaitAsync(Patience));

        Assert.Contains("without an answer", error.Message, StringComparison.Ordinal);
    }

    private static ClaimRequest Request(string worker) => new("pool", worker, null, 10, null);

    /// <summary>Stand-in claims: each transaction answers its polls with their worker's name.</summary>
    private sealed class Claims
    {
        private readonly TaskCompletionSource _firstStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _count;

        public bool HoldFirst { get; init; }

        public bool FailFirst { get; init; }

        public List<List<string>> Batches { get; } = [];

        public Task FirstStarted => _firstStarted.Task;

        public void ReleaseFirst() => _release.TrySetResult();

        public async Task RunAsync(IReadOnlyList<ClaimTurn> turns)
        {
            var number = Interlocked.Increment(ref _count);
            lock (Batches)
            {
                Batches.Add([.. turns.Select(t => t.Request.WorkerName)]);
            }

            if (number == 1 && HoldFirst)
            {
                _firstStarted.TrySetResult();
                await _release.Task;
            }

            if (number == 1 && FailFirst)
            {
                throw new InvalidOperationException("the database went away");
            }

            foreach (var turn in turns)
            {
                var pool = new WorkPool { Name = "pool", Type = "process", BaseJobTemplate = "{}" };
                turn.Complete(new ClaimOutcome(pool, new PoolWorker { Name = turn.Request.WorkerName }, true, [], [], [], null));
            }
        }
    }
}
