namespace Console.Core.Persistence;

/// <summary>
/// A row whose change events carry a version: 1 at creation, one more at every tracked write
/// (<see cref="ConsoleDbContext"/> stamps it), so a client drops an event that arrives after a newer one.
/// </summary>
public interface IVersioned
{
    long Version { get; set; }
}
