using Console.Contracts;
using Console.Core.Polling;
using Console.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Api;

/// <summary>
/// On PostgreSQL a poll takes its turn at the claim gate before its claim's scope, so a poll that
/// waits for it holds no database context: past the gate's width it waits there (counted on
/// /metrics) and claims once a turn is given back, also when the gate is one wide (the claim itself
/// takes no second turn).
/// </summary>
public sealed class PostgresClaimTurnTests(PostgresClaimTurnTests.OneWideGate factory)
    : ApiTestBase(factory), IClassFixture<PostgresClaimTurnTests.OneWideGate>
{
    [Fact]
    public async Task A_poll_waits_for_its_turn_at_a_full_gate_and_claims_once_one_is_given_back()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        var run = await RunAsync(deployment.Id);
        var gate = Factory.Services.GetRequiredService<ClaimGate>();

        Task<IReadOnlyList<FlowRunDto>> poll;
        await gate.WaitAsync(CancellationToken.None);
        try
        {
            poll = PollAsync(pool.Name, "waiting-worker");
            await Wait.UntilAsync(async () => await Client.ClaimGateWaitingAsync() == 1, "the poll to wait at the gate", 10);
            Assert.False(poll.IsCompleted, "the poll claimed while the gate's only turn was taken");
        }
        finally
        {
            gate.Release();
        }

        Assert.Equal(run.Id, Assert.Single(await poll.WaitAsync(TimeSpan.FromSeconds(10))).Id);
        await Wait.UntilAsync(async () => await Client.ClaimGateWaitingAsync() == 0, "nothing waiting at the gate once it is let go", 10);
    }

    /// <summary>The app on PostgreSQL with one claim at a time.</summary>
    public sealed class OneWideGate : PostgresApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Database:MaxConcurrentClaims"] = "1" };
    }
}
