using System.Runtime.CompilerServices;
using Console.Contracts.Feed;
namespace Console.Web.ScaleOut;

/// <summary>
/// Which change events this replica heard from another one. The relay marks them before it
/// republishes them into the local feed, so neither the relay (no echo back to Redis) nor the hub
/// forwarder (the origin already sent them through the backplane) sends them again. Registered
/// on a single replica too, where nothing is ever marked.
/// </summary>
public sealed class FeedOrigins
{
    // Weak, by reference: a record's value equality would confuse a local event with an equal remote one.
    private readonly ConditionalWeakTable<ChangeEvent, string> _remote = [];

    /// <summary>This process's replica id, carried by every event it relays.</summary>
    public string ReplicaId { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    public void MarkRemote(ChangeEvent change, string origin) => _remote.AddOrUpdate(change, origin);

    public bool IsRemote(ChangeEvent change) => _remote.TryGetValue(change, out _);
}
