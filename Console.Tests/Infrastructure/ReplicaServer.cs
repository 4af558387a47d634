namespace Console.Tests.Infrastructure;

/// <summary>
/// One replica of a scaled-out console: a real Kestrel host like <see cref="ConsoleServer"/>, on
/// its own loopback port, with the settings its fixture shares between replicas (database, Redis).
/// </summary>
public sealed class ReplicaServer(IReadOnlyDictionary<string, string?> shared, bool fakeTime = false) : ConsoleServer(fakeTime)
{
    // A field initializer: it runs before the base constructor, which already starts the host.
    private readonly IReadOnlyDictionary<string, string?> _shared = shared;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(_shared);
}
