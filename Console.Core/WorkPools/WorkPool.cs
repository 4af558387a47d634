namespace Console.Core.WorkPools;

public sealed class WorkPool : Persistence.IVersioned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    public required string Type { get; set; }
    public string? Description { get; set; }
    public int? ConcurrencyLimit { get; set; }
    public bool IsPaused { get; set; }

    /// <summary>The base job template as JSON: <c>{ jobConfiguration, variables }</c>.</summary>
    public required string BaseJobTemplate { get; set; }

    public DateTime? LastPolledAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>See <see cref="Persistence.IVersioned"/>.</summary>
    public long Version { get; set; }

    public List<WorkQueues.WorkQueue> Queues { get; set; } = [];

    /// <summary>
    /// Names the type and base job template as they are (not the stamps, which move with every poll):
    /// the same tag, the same template (<see cref="Console.Contracts.PollAnswerHeaders.PoolTemplate"/>).
    /// </summary>
    public string TemplateTag()
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{Type}\n{BaseJobTemplate}"));
        return Convert.ToHexStringLower(hash.AsSpan(0, 12));
    }
}
