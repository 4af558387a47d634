namespace Console.Contracts.Security;

/// <summary>
/// Who may do what (docs/security.md): viewers read, operators run the orchestration (pools, queues,
/// deployments, runs), admins also manage keys, users and the audit log. A worker key only serves
/// the pools it names: heartbeat, poll, report states and logs of their runs, read those pools.
/// </summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Operator = "operator";
    public const string Viewer = "viewer";
    public const string Worker = "worker";

    /// <summary>
    /// A flow run's own short-lived token (never a key): it may report that run's logs and state and
    /// read them back, nothing else.
    /// </summary>
    public const string Run = "run";

    /// <summary>Roles a person can have; keys may also be worker keys.</summary>
    public static IReadOnlyList<string> ForUsers { get; } = [Admin, Operator, Viewer];

    public static IReadOnlyList<string> ForKeys { get; } = [Admin, Operator, Viewer, Worker];

    public static bool IsKnown(string? role) => role is Admin or Operator or Viewer or Worker;

    /// <summary>Reads of pools, queues, workers, deployments, runs and logs.</summary>
    public static bool MayRead(string? role) => role is Admin or Operator or Viewer;

    /// <summary>Changes to pools, queues, deployments and runs.</summary>
    public static bool MayOperate(string? role) => role is Admin or Operator;

    /// <summary>Keys, users, the audit log and the Hangfire dashboard.</summary>
    public static bool MayAdminister(string? role) => role is Admin;
}
