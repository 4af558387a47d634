namespace Console.Core.Security;

/// <summary>
/// An actor named for a stretch of work no request's caller stands for: the identity provider's
/// sign-in writes the user it vouches for before anyone is signed in; an automation's actions are
/// made (and audited) as the automation.
/// </summary>
public static class ActingActor
{
    private static readonly AsyncLocal<Actor?> Acting = new();

    public static Actor? Current => Acting.Value;

    public static IDisposable Use(Actor actor)
    {
        var previous = Acting.Value;
        Acting.Value = actor;
        return new Restore(previous);
    }

    private sealed class Restore(Actor? previous) : IDisposable
    {
        public void Dispose() => Acting.Value = previous;
    }
}
