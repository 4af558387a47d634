using Console.Tests.Infrastructure;

namespace Console.Tests.Cli;

/// <summary>
/// The CLI tests share one real server and run one class at a time: fewer hosts starting at once
/// on two cores, and no host start racing another. Isolation is by unique names.
/// </summary>
[CollectionDefinition(Name)]
public sealed class CliCollection : ICollectionFixture<ConsoleServer>
{
    public const string Name = "cli";
}
