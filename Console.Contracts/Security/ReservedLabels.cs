namespace Console.Contracts.Security;

/// <summary>
/// Label keys the worker owns on what it starts (run id, worker, pool, type): how it finds a run's
/// container again and how fencing stops one whose run has ended. A job's labels may not use them,
/// or a run could hide its container from both (docs/security.md).
/// </summary>
public static class ReservedLabels
{
    public const string Prefix = "console.";

    /// <summary>Compared as the engine would see the key after trimming, in any case.</summary>
    public static bool IsReserved(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Trim().StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);
    }
}
