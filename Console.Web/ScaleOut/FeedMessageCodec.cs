using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Console.Contracts.Common;
using Console.Contracts.Feed;
namespace Console.Web.ScaleOut;

/// <summary>What travels on the feed's Redis channel: the origin replica and one typed event.</summary>
public sealed record FeedMessage(string Origin, ChangeEvent Change);

/// <summary>
/// JSON for <see cref="FeedMessage"/>: the product's JSON shape plus a "$type" discriminator for
/// the change. Every concrete <see cref="ChangeEvent"/> in Core is known by its type name, so a
/// new event type crosses replicas without touching this file.
/// </summary>
public static class FeedMessageCodec
{
    public const string Discriminator = "$type";

    public static IReadOnlyList<Type> EventTypes { get; } = [.. typeof(ChangeEvent).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(ChangeEvent)) && !t.IsAbstract)
        .OrderBy(t => t.Name, StringComparer.Ordinal)];

    private static readonly JsonSerializerOptions Options = CreateOptions();

    public static string Serialize(FeedMessage message) => JsonSerializer.Serialize(message, Options);

    /// <summary>Throws <see cref="JsonException"/> for anything that is not a known message.</summary>
    public static FeedMessage Deserialize(string json)
    {
        var message = JsonSerializer.Deserialize<FeedMessage>(json, Options);
        return message is { Origin: not null, Change: not null } ? message : throw new JsonException("Not a change feed message.");
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = ConsoleJson.Create();
        options.TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { AddEventTypes } };
        options.MakeReadOnly();
        return options;
    }

    private static void AddEventTypes(JsonTypeInfo info)
    {
        if (info.Type != typeof(ChangeEvent))
        {
            return;
        }

        info.PolymorphismOptions = new JsonPolymorphismOptions { TypeDiscriminatorPropertyName = Discriminator };
        foreach (var type in EventTypes)
        {
            info.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(type, type.Name));
        }
    }
}
