using Console.Contracts.Common;
using Console.Contracts.Security;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Security;

/// <summary>Reads the audit log; entries are written by <see cref="SecuritySaveChangesInterceptor"/> with the changes they record.</summary>
public sealed class AuditService(ConsoleDbContext db, TimeProvider time, IActorAccessor actors)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>
    /// Newest first. <paramref name="resource"/> is a kind (<c>work-pool</c>) or a kind and name
    /// (<c>work-pool/my-pool</c>, <c>deployment/flow/name</c>).
    /// </summary>
    public async Task<IReadOnlyList<AuditEntryDto>> ListAsync(int? limit, string? resource, string? actor, CancellationToken ct = default)
    {
        var take = limit ?? DefaultLimit;
        if (take is < 1 or > MaxLimit)
        {
            throw new InvalidRequestException("limit", $"The limit must be 1 to {MaxLimit}.");
        }

        var query = db.AuditEntries.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(resource))
        {
            var slash = resource.IndexOf('/', StringComparison.Ordinal);
            var kind = slash < 0 ? resource : resource[..slash];
            query = query.Where(e => e.Resource == kind);
            if (slash >= 0)
            {
                var name = resource[(slash + 1)..];
                query = query.Where(e => e.ResourceName == name);
            }
        }

        if (!string.IsNullOrWhiteSpace(actor))
        {
            query = query.Where(e => e.Actor == actor);
        }

        var entries = await query.OrderByDescending(e => e.Id).Take(take).ToListAsync(ct);
        return [.. entries.Select(ToDto)];
    }

    /// <summary>Records an event that changes no audited row (a sign-in), by the current actor unless one is given.</summary>
    public async Task RecordAsync(string action, string resource, string? resourceName, Actor? by = null, CancellationToken ct = default)
    {
        var actor = by ?? actors.Current;
        db.AuditEntries.Add(new AuditEntry
        {
            At = time.GetUtcNow().UtcDateTime,
            Actor = actor.Name,
            ActorKind = actor.KindName,
            ActorRole = actor.Role,
            Action = action,
            Resource = resource,
            ResourceName = resourceName,
            RemoteAddress = actor.RemoteAddress,
        });
        await db.SaveChangesAsync(ct);
    }

    public static AuditEntryDto ToDto(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new AuditEntryDto
        {
            Id = entry.Id,
            At = entry.At,
            Actor = entry.Actor,
            ActorKind = entry.ActorKind,
            ActorRole = entry.ActorRole,
            Action = entry.Action,
            Resource = entry.Resource,
            ResourceName = entry.ResourceName,
            Changes = ConsoleJson.ParseObject(entry.Changes),
            RemoteAddress = entry.RemoteAddress,
        };
    }
}
