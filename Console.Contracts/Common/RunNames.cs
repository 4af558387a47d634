namespace Console.Contracts.Common;

/// <summary>Friendly run names ("brisk-heron") that people can say out loud; the id stays the key.</summary>
public static class RunNames
{
    private static readonly string[] Adjectives =
    [
        "amber", "bold", "brisk", "calm", "clever", "crimson", "daring", "eager", "fancy", "gentle",
        "golden", "happy", "jolly", "keen", "lively", "lucky", "mellow", "nimble", "proud", "quick",
        "quiet", "rapid", "silver", "steady", "swift", "tidy", "vivid", "witty", "young", "zesty",
    ];

    private static readonly string[] Animals =
    [
        "badger", "beaver", "bison", "crane", "dingo", "eagle", "falcon", "ferret", "gecko", "heron",
        "ibis", "jackal", "koala", "lemur", "lynx", "marten", "moose", "newt", "ocelot", "otter",
        "panda", "puffin", "quail", "raven", "salmon", "tapir", "walrus", "wombat", "yak", "zebra",
    ];

    public static string Next() =>
        $"{Adjectives[Random.Shared.Next(Adjectives.Length)]}-{Animals[Random.Shared.Next(Animals.Length)]}";
}
