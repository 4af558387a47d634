using Console.Tests.Infrastructure;
using Console.Web.ScaleOut;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.ScaleOut;

/// <summary>
/// Two replicas, A and B, sharing one database and one real Redis (CONSOLE_TEST_REDIS), each on
/// its own port. Their Redis channels carry a prefix of their own, so other consoles using the
/// same Redis (other test classes, other checkouts) are never heard.
/// </summary>
public sealed class ReplicaPair : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private SharedDatabase? _database;

    public ReplicaServer A { get; private set; } = default!;

    public ReplicaServer B { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        var redis = TestEnvironment.RequireRedis();
        _database = new SharedDatabase();
        var settings = new Dictionary<string, string?>(_database.Settings)
        {
            ["ConnectionStrings:Redis"] = redis,
            ["ScaleOut:ChannelPrefix"] = $"console-test-{Guid.NewGuid():N}",
        };
        // One after the other: the first applies the migrations to the shared database.
        A = new ReplicaServer(settings);
        B = new ReplicaServer(settings);
        await Task.WhenAll(Relay(A).Subscribed, Relay(B).Subscribed).WaitAsync(StartTimeout);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        A?.Dispose();
        B?.Dispose();
        _database?.Dispose();
    }

    private static RedisFeedRelay Relay(ReplicaServer server) => server.Services.GetRequiredService<RedisFeedRelay>();
}
