using Console.Contracts.Automations;
using Console.Contracts.Common;

namespace Console.Core.Events;

internal static class EventMapping
{
    public static EventDto ToDto(ConsoleEvent e) => new()
    {
        Id = e.Id,
        OccurredAt = e.OccurredAt,
        Type = e.Type,
        Resource = new EventResourceDto(e.ResourceKind, e.ResourceId, e.ResourceName),
        Related = e.RelatedAsWritten ?? ConsoleJson.Deserialize<List<EventResourceDto>>(e.Related) ?? [],
        Payload = ConsoleJson.ParseObject(e.Payload),
    };

    /// <summary>Sets the filter columns of a new event.</summary>
    public static ConsoleEvent Also(this ConsoleEvent e, Action<ConsoleEvent> set)
    {
        set(e);
        return e;
    }
}
