using Console.Contracts.Security;

namespace Console.Core.Security;

public enum ActorKind
{
    /// <summary>The server itself: scheduled jobs, startup, tests driving services.</summary>
    System,

    /// <summary>Nobody signed in, on a console that runs open (loopback only, no users or keys).</summary>
    Anonymous,

    User,
    Key,

    /// <summary>A worker key, or the embedded worker.</summary>
    Worker,

    /// <summary>An automation's action (named <c>automation:NAME</c>): audited, with an operator's rights.</summary>
    Automation,
}

/// <summary>Who is making the current change; the audit log and the write guard read it.</summary>
public sealed record Actor(ActorKind Kind, string Name, string? Role, Guid? Id = null, string? RemoteAddress = null)
{
    public static Actor System { get; } = new(ActorKind.System, "system", Roles.Admin);

    /// <summary>The actor an automation's actions are made as.</summary>
    public static Actor OfAutomation(string name) => new(ActorKind.Automation, $"automation:{name}", Roles.Operator);

    public bool IsWorker => Kind == ActorKind.Worker || Role == Roles.Worker;

    public string KindName => Kind.ToString().ToLowerInvariant();
}

/// <summary>The actor of the current request or UI circuit; <see cref="Actor.System"/> when there is none.</summary>
public interface IActorAccessor
{
    Actor Current { get; }
}

internal sealed class SystemActorAccessor : IActorAccessor
{
    public Actor Current => ActingActor.Current ?? Actor.System;
}

/// <summary>
/// The actor lacks the role for a change (403 through the web host's handler). A ConsoleException
/// like the other refusals, so every caller that shows a refusal as a message shows this one too.
/// </summary>
public sealed class AccessDeniedException(string message) : Contracts.Common.ConsoleException(message);
