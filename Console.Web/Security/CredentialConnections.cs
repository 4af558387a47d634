using System.Collections.Concurrent;
using System.Security.Claims;
using Console.Contracts.Feed;
using Console.Core.Feed;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Console.Web.Security;

/// <summary>
/// The open SignalR connections of this replica by the key or user they authenticated as: the live
/// hub's and the UI circuits' (a circuit runs over a hub connection of its own). A revoked key, a
/// deleted user or a sign-out closes them: a request is checked each time, but a connection was
/// checked once, when it opened, and would otherwise keep receiving events.
/// </summary>
public sealed class CredentialConnections
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<string, HubCallerContext>> _open = new();

    /// <summary>The key's or user's id a connection authenticated with; null for the embedded worker and an open console.</summary>
    public static Guid? CredentialOf(ClaimsPrincipal? user) =>
        ConsoleClaims.IsAuthenticated(user) && Guid.TryParse(user!.FindFirstValue(ConsoleClaims.Id), out var id) ? id : null;

    public void Add(Guid credential, HubCallerContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _open.GetOrAdd(credential, _ => new()).TryAdd(connection.ConnectionId, connection);
    }

    public void Remove(Guid credential, HubCallerContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (_open.TryGetValue(credential, out var connections))
        {
            connections.TryRemove(connection.ConnectionId, out _);
        }
    }

    /// <summary>Every open connection with its credential, for a periodic re-check.</summary>
    public IReadOnlyList<(Guid Credential, HubCallerContext Connection)> Snapshot() =>
        [.. _open.SelectMany(pair => pair.Value.Values.Select(connection => (pair.Key, connection)))];

    /// <summary>Closes every connection of the credential; returns how many.</summary>
    public int Revoke(Guid credential)
    {
        if (!_open.TryRemove(credential, out var connections))
        {
            return 0;
        }

        foreach (var connection in connections.Values)
        {
            connection.Abort();
        }

        return connections.Count;
    }
}

/// <summary>
/// Registers every hub connection (the live hub and the UI's circuits alike) under its credential,
/// then checks the credential once more: a revocation that came between the connection's
/// authentication and its registration found nothing to close, but is in the database by now.
/// </summary>
internal sealed class CredentialConnectionFilter(CredentialConnections connections, IServiceScopeFactory scopes) : IHubFilter
{
    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var user = context.Context.User;
        if (CredentialConnections.CredentialOf(user) is { } credential)
        {
            connections.Add(credential, context.Context);
            await using var scope = scopes.CreateAsyncScope();
            if (!await CredentialCheck.IsCurrentAsync(scope.ServiceProvider, user!, context.Context.ConnectionAborted))
            {
                connections.Remove(credential, context.Context);
                context.Context.Abort();
                return;
            }
        }

        await next(context);
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (CredentialConnections.CredentialOf(context.Context.User) is { } credential)
        {
            connections.Remove(credential, context.Context);
        }

        await next(context, exception);
    }
}

/// <summary>
/// Closes connections on <see cref="CredentialRevoked"/>. The event comes through the change feed,
/// which Redis relays between replicas, so a key revoked on one replica closes its connections on
/// all. Every <see cref="SecurityOptions.RevalidateSeconds"/> it also re-checks every open
/// connection against the database: that closes what the event could not reach (Redis down at the
/// time) and connections of keys that have since expired.
/// </summary>
internal sealed partial class RevokedConnectionCloser(
    IChangeFeed feed, CredentialConnections connections, IServiceScopeFactory scopes, IOptions<SecurityOptions> options,
    TimeProvider time, ILogger<RevokedConnectionCloser> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = feed.Subscribe(change =>
        {
            if (change is CredentialRevoked revoked && connections.Revoke(revoked.CredentialId) is > 0 and var closed)
            {
                LogClosed(logger, closed, revoked.CredentialId);
            }
        });
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.RevalidateSeconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
#pragma warning disable CA1031 // One failed sweep (the database briefly away) must not end the next ones.
            catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
            {
                LogSweepFailed(logger, ex);
            }
        }
    }

    private async Task SweepAsync(CancellationToken ct)
    {
        var open = connections.Snapshot();
        if (open.Count == 0)
        {
            return;
        }

        // One look-up per credential and stamp (a stamp changes with password, role and sign-out).
        var verdicts = new Dictionary<(Guid, string?, string?), bool>();
        await using var scope = scopes.CreateAsyncScope();
        foreach (var (credential, connection) in open)
        {
            if (connection.User is not { } user)
            {
                continue;
            }

            var key = (credential, user.FindFirstValue(ConsoleClaims.Stamp), ConsoleClaims.RoleOf(user));
            if (!verdicts.TryGetValue(key, out var current))
            {
                current = await CredentialCheck.IsCurrentAsync(scope.ServiceProvider, user, ct);
                verdicts[key] = current;
            }

            if (!current)
            {
                connections.Remove(credential, connection);
                connection.Abort();
                LogClosed(logger, 1, credential);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed {Count} connection(s) of revoked, expired or signed-out credential {Credential}")]
    private static partial void LogClosed(ILogger logger, int count, Guid credential);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not re-check the open hub connections; trying again at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception ex);
}
