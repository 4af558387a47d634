using Hangfire.AspNetCore;
using Hangfire.Logging;

namespace Console.Web.Jobs;

/// <summary>
/// Hangfire's log provider is one static for the whole process. When several hosts share a process
/// (a console and a worker in tests, or a host stopped and started again), the last host's logger
/// factory may already be disposed when another asks for a logger: that host then logs nothing
/// from Hangfire instead of failing to start.
/// </summary>
internal sealed class HostLogProvider(ILoggerFactory loggers) : ILogProvider
{
    private readonly AspNetCoreLogProvider _inner = new(loggers);

    public ILog GetLogger(string name)
    {
        try
        {
            return _inner.GetLogger(name);
        }
        catch (ObjectDisposedException)
        {
            return Silent.Instance;
        }
    }

    private sealed class Silent : ILog
    {
        public static readonly Silent Instance = new();

        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }
}
