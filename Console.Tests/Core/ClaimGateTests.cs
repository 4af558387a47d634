using Console.Core.Polling;

namespace Console.Tests.Core;

/// <summary>
/// The gate's count of who waits (<c>console_claim_gate_waiting</c>): a free turn is taken without
/// being counted, a request that waits is counted until its turn comes or it gives up, and a
/// request already cancelled takes no turn.
/// </summary>
public sealed class ClaimGateTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Only_a_request_that_waits_is_counted_until_its_turn_comes_or_it_gives_up()
    {
        using var gate = new ClaimGate(width: 1);
        await gate.WaitAsync(CancellationToken.None);
        Assert.Equal(0, gate.Waiting);

        var next = gate.WaitAsync(CancellationToken.None);
        using var giveUp = new CancellationTokenSource();
        var impatient = gate.WaitAsync(giveUp.Token);
        Assert.False(next.IsCompleted);
        Assert.Equal(2, gate.Waiting);

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient.WaitAsync(Patience));
        Assert.Equal(1, gate.Waiting);

        gate.Release();
        await next.WaitAsync(Patience);
        Assert.Equal(0, gate.Waiting);
    }

    [Fact]
    public async Task A_claim_takes_a_turn_only_with_several_writers_and_gives_it_back_however_it_ends()
    {
        using var several = new ClaimGate(width: 1, singleWriter: false);
        var held = new TaskCompletionSource();
        var finish = new TaskCompletionSource<int>();
        var claim = several.RunClaimAsync(() =>
        {
            held.SetResult();
            return finish.Task;
        }, CancellationToken.None);
        await held.Task.WaitAsync(Patience);

        var next = several.WaitAsync(CancellationToken.None);
        Assert.False(next.IsCompleted);
        finish.SetException(new InvalidOperationException("the claim failed"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => claim);
        await next.WaitAsync(Patience);
        several.Release();

        // One writer: the SQLite claimer takes its turn itself, for the polls it combines, so a
        // claim runs even while the turn is held.
        using var one = new ClaimGate(width: 1);
        await one.WaitAsync(CancellationToken.None);
        Assert.Equal(7, await one.RunClaimAsync(() => Task.FromResult(7), CancellationToken.None).WaitAsync(Patience));
    }

    [Fact]
    public async Task A_cancelled_request_takes_no_turn()
    {
        using var gate = new ClaimGate(width: 1);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gate.WaitAsync(new CancellationToken(canceled: true)));

        // The turn is still free: the next request takes it at once.
        Assert.True(gate.WaitAsync(CancellationToken.None).IsCompletedSuccessfully);
        Assert.Equal(0, gate.Waiting);
    }
}
