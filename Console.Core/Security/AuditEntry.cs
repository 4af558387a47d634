namespace Console.Core.Security;

/// <summary>One change someone made: who, when, what (resource and action) and which fields changed.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTime At { get; set; }

    /// <summary>The user name, the key's name and prefix, or "anonymous" on an open local console.</summary>
    public required string Actor { get; set; }

    /// <summary>user, key, worker, anonymous or system.</summary>
    public required string ActorKind { get; set; }

    public string? ActorRole { get; set; }

    /// <summary>create, update, delete, pause, resume, cancel, state, revoke, sign-in, ...</summary>
    public required string Action { get; set; }

    /// <summary>work-pool, work-queue, deployment, flow-run, worker, api-key, user.</summary>
    public required string Resource { get; set; }

    /// <summary>The resource's name (pool/queue, flow/deployment, run id, key prefix, user name).</summary>
    public string? ResourceName { get; set; }

    /// <summary>JSON object of changed fields: plain values for flags and numbers, "(changed)" for text and JSON.</summary>
    public string Changes { get; set; } = "{}";

    public string? RemoteAddress { get; set; }
}
