namespace Console.Contracts.Common;

/// <summary>An answer or change event of a resource whose every write raises <see cref="Version"/>.</summary>
public interface IVersionedDto
{
    long Version { get; }
}

public static class Versions
{
    /// <summary>
    /// Whether <paramref name="incoming"/> is an older copy than the one <paramref name="shown"/>, to be
    /// dropped: it came the long way (another replica, a late answer). Equal versions are kept, since
    /// a status derived from other rows (an online worker, a poll) can change without a write.
    /// </summary>
    public static bool IsOlderThan(this IVersionedDto incoming, IVersionedDto? shown)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        return shown is not null && incoming.Version < shown.Version;
    }
}
