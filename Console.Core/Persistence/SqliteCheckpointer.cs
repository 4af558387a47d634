using System.Data.Common;
using System.Globalization;
using Console.Core.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Console.Core.Persistence;

/// <summary>
/// Copies the write-ahead log back into the database file, in the background. SQLite's own
/// auto-checkpoint runs in whichever connection commits past 1,000 pages of log, inside its commit:
/// under B3's load that was the claim's about every tenth poll, so the copying and its two fsyncs held the
/// claim's lock and every poll queued behind it. Every app connection turns it off
/// (<see cref="SqlitePragmas"/>) and this service checkpoints instead, four times a second, PASSIVE:
/// it never waits for a reader or the writer, and they never wait for it.
/// </summary>
/// <remarks>
/// SQLite writes the log from its start again only when a write begins after a checkpoint copied
/// all of it. Under a steady stream of claims a commit always lands while a PASSIVE checkpoint
/// copies, so the log never started over: it grew by 55 MB a second in B3 (1.2 GB in 20 s), every
/// frame written to new blocks of the file. Once the log holds more than <see cref="RestartFrames"/>
/// frames, a RESTART checkpoint follows: it keeps writers out while it copies the few frames the
/// PASSIVE one left and while the readers still on the log finish, then the next write starts the
/// log over. It waits at most <see cref="RestartWaitMs"/> for the writer before it and for those
/// readers, so a long reader never holds up the claims for longer; it then tries again a tick later.
/// </remarks>
internal sealed partial class SqliteCheckpointer(IServiceScopeFactory scopes, ILogger<SqliteCheckpointer> logger)
    : PeriodicBackgroundService
{
    /// <summary>About 16 MB of 4 KB pages: SQLite's own checkpoint starts at 1,000 frames, a log this long is one that did not start over.</summary>
    internal const int RestartFrames = 4096;

    /// <summary>How long a RESTART checkpoint waits for the writer before it, and then (keeping writers out) for the readers on the log.</summary>
    internal const int RestartWaitMs = 100;

    private bool _failing;

    // The last tick runs as the host stops: what the last quarter second wrote, so little log is left to replay.
    protected override TimeSpan Period { get; } = TimeSpan.FromMilliseconds(250);

    protected override async Task TickAsync(CancellationToken ct)
    {
        try
        {
            // One of the app's pooled connections, with its settings (SqlitePragmas): the checkpoint
            // syncs the files as the app's synchronous setting says.
            await using var scope = scopes.CreateAsyncScope();
            var database = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>().Database;
            await database.OpenConnectionAsync(ct);
            try
            {
                var connection = database.GetDbConnection();
                if (await CheckpointAsync(connection, "PASSIVE", ct) > RestartFrames)
                {
                    await RestartAsync(connection, ct);
                }
            }
            finally
            {
                await database.CloseConnectionAsync();
            }

            if (_failing)
            {
                _failing = false;
                LogRecovered(logger);
            }
        }
        catch (ObjectDisposedException)
        {
            // The host's service provider is already gone: a tick that started as the host shut
            // down (seen at every test host's end, disposed with Dispose or DisposeAsync). The app
            // is closing its database; there is nothing left to checkpoint for.
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Never ends the loop (the log would grow for good): once per streak, then every tick tries again.
            if (!_failing)
            {
                _failing = true;
                LogFailed(logger, ex);
            }
        }
    }

    /// <summary>Runs a checkpoint; returns how many frames the log holds (SQLite's second column).</summary>
    private static async Task<long> CheckpointAsync(DbConnection connection, string mode, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_checkpoint({mode});";
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? reader.GetInt64(1) : 0;
    }

    /// <summary>A RESTART checkpoint under a short busy timeout, the connection's own restored after it.</summary>
    private static async Task RestartAsync(DbConnection connection, CancellationToken ct)
    {
        await SetBusyTimeoutAsync(connection, RestartWaitMs, ct);
        try
        {
            await CheckpointAsync(connection, "RESTART", ct);
        }
        finally
        {
            await SetBusyTimeoutAsync(connection, SqlitePragmas.BusyTimeoutMs, CancellationToken.None);
        }
    }

    private static async Task SetBusyTimeoutAsync(DbConnection connection, int milliseconds, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout={milliseconds};");
        await command.ExecuteNonQueryAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not checkpoint the SQLite write-ahead log; retrying every 250 ms, the log grows meanwhile")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Checkpointing the SQLite write-ahead log again")]
    private static partial void LogRecovered(ILogger logger);
}
