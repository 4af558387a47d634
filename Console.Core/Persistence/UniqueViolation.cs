using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Persistence;

/// <summary>
/// Tells "another replica inserted this row first" (a unique index did its job) apart from every
/// other failed save, which must not be mistaken for it. Provider-portable without referencing
/// each provider: SQLite by its extended code, others by the SQL standard's SQLSTATE.
/// </summary>
public static class UniqueViolation
{
    private const int SqliteConstraintUnique = 2067;
    private const int SqliteConstraintPrimaryKey = 1555;
    private const string SqlStateUniqueViolation = "23505";
    private const string SqlStateSerializationFailure = "40001";
    private const string SqlStateDeadlock = "40P01";

    public static bool Is(DbUpdateException ex) => ex?.InnerException is { } inner && IsUnique(inner);

    /// <summary>A unique violation anywhere in the chain: raw SQL (the claim's) is not wrapped in a <see cref="DbUpdateException"/>.</summary>
    public static bool InChain(Exception ex) => AnyInChain(ex, IsUnique);

    /// <summary>
    /// Two replicas' writes crossed and the database rolled one back (a deadlock or a serialization
    /// failure, possibly wrapped by the execution strategy): like a lost insert race, the work is
    /// done by the other replica or on the next pass.
    /// </summary>
    public static bool IsCrossedWrite(Exception ex) =>
        AnyInChain(ex, e => e is DbException { SqlState: SqlStateDeadlock or SqlStateSerializationFailure });

    private static bool AnyInChain(Exception? ex, Func<Exception, bool> match)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (match(e))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsUnique(Exception e) => e switch
    {
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode is SqliteConstraintUnique or SqliteConstraintPrimaryKey,
        DbException other => other.SqlState == SqlStateUniqueViolation,
        _ => false,
    };
}
