using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Console.Tests.Infrastructure;

namespace Console.Tests.ScaleOut;

/// <summary>
/// A Redis of the test's own on a free loopback port, so the test can take it away and bring it
/// back without disturbing anyone else's (no persistence: it starts empty every time).
/// </summary>
public sealed class PrivateRedis : IDisposable
{
    private readonly string _server = TestEnvironment.RequireRedisServer();
    private Process? _process;

    public int Port { get; } = FreePort.Next();

    public string ConnectionString => $"127.0.0.1:{Port},connectTimeout=1000";

    public void Start()
    {
        var startInfo = new ProcessStartInfo(_server)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            startInfo.ArgumentList.Add(arg);
        }

        _process = Process.Start(startInfo) ?? throw new InvalidOperationException("redis-server could not be started");
        // Its output is not needed, but an unread pipe that fills up would stall it.
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public void Stop()
    {
        if (_process is { } process)
        {
            process.Kill();
            process.WaitForExit();
            process.Dispose();
            _process = null;
        }
    }

    public void Dispose() => Stop();

}
