using Hangfire.Logging;

namespace Console.Tests.Infrastructure;

/// <summary>
/// Hangfire keeps one process-wide log provider: the logger factory of the last web host that
/// configured it. Once that host is disposed, any Hangfire storage created later (a worker host's,
/// in another test running in parallel) would ask a disposed factory and throw. Test hosts put
/// this one in its place when they are disposed.
/// </summary>
internal sealed class SilentHangfireLog : ILogProvider, ILog
{
    public static readonly SilentHangfireLog Instance = new();

    public ILog GetLogger(string name) => this;

    public bool Log(LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
}
