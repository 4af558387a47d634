using Console.Tests.Infrastructure;

namespace Console.Tests.Api;

/// <summary>
/// The claim tests with the racing pollers spread over two app hosts on one PostgreSQL database,
/// i.e. two console replicas: their in-process claim gates and change feeds know nothing of each
/// other, so only the database keeps runs from being claimed twice and limits from being exceeded.
/// </summary>
public sealed class PostgresReplicaClaimTests(PostgresReplicaClaimTests.TwoReplicas replicas)
    : ClaimTests(replicas), IClassFixture<PostgresReplicaClaimTests.TwoReplicas>
{
    protected override int HostCount => 2;

    protected override HttpClient CreatePollerClient(int poller) =>
        poller % 2 == 0 ? replicas.CreateClient() : replicas.Replica.CreateClient();

    /// <summary>The first host, plus a second one started after it (so start-up migrations run once, in order).</summary>
    public sealed class TwoReplicas : PostgresApiFactory
    {
        private readonly Lazy<PostgresApiFactory> _replica;

        public TwoReplicas()
        {
            _replica = new(() =>
            {
                _ = Services;
                var replica = CreateReplica();
                _ = replica.Services;
                return replica;
            });
        }

        public PostgresApiFactory Replica => _replica.Value;

        protected override void Dispose(bool disposing)
        {
            if (disposing && _replica.IsValueCreated)
            {
                _replica.Value.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
