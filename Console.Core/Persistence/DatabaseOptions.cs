using System.ComponentModel.DataAnnotations;

namespace Console.Core.Persistence;

/// <summary>Which database the console keeps its state in (section "Database").</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public const string Sqlite = "Sqlite";

    public const string Postgres = "Postgres";

    /// <summary>"Sqlite" (the zero-setup default) or "Postgres" (scale-out).</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>
    /// SQLite's synchronous mode under WAL. NORMAL survives a process crash (SIGKILL) without
    /// losing a committed claim; only an OS crash or power cut may lose the last transactions.
    /// FULL closes that gap at a high cost in claim throughput (ADR 0001).
    /// </summary>
    [RegularExpression("^(?i:OFF|NORMAL|FULL|EXTRA)$", ErrorMessage = "Database:SqliteSynchronous must be OFF, NORMAL, FULL or EXTRA.")]
    public string SqliteSynchronous { get; set; } = "NORMAL";

    /// <summary>
    /// On PostgreSQL: claims this process runs at once (each holds a pooled connection until it
    /// commits). Keep it well under the connection pool's Max Pool Size (100 by default).
    /// </summary>
    [Range(1, 1000, ErrorMessage = "Database:MaxConcurrentClaims must be between 1 and 1000 (0 or less would never claim).")]
    public int MaxConcurrentClaims { get; set; } = 8;

    /// <summary>True for Postgres, false for Sqlite (either case); anything else stops the start with a readable error.</summary>
    public static bool IsPostgres(string? provider) => provider switch
    {
        null or "" => false,
        _ when string.Equals(provider, Sqlite, StringComparison.OrdinalIgnoreCase) => false,
        _ when string.Equals(provider, Postgres, StringComparison.OrdinalIgnoreCase) => true,
        _ => throw new InvalidOperationException(
            $"{Section}:{nameof(Provider)} is '{provider}'; it must be '{Sqlite}' (the default) or '{Postgres}'."),
    };
}
