using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;

namespace Console.Testing;

/// <summary>
/// A real OS process a test or benchmark starts, kills (by its own id) and may start again. Its
/// output is kept (the last lines, for failure messages) and, given a log path, written to a file.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int KeptLines = 300;
    private readonly ProcessStartInfo _start;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly StreamWriter? _log;
    private readonly Lock _logGate = new();
    private Process? _process;
    private int? _exitCode;

    /// <param name="environment">Variables to set; a null value removes the variable.</param>
    /// <param name="logPath">A file that receives every line the process writes.</param>
    public ChildProcess(string name, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment,
        string? workingDirectory = null, string? logPath = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        Name = name;
        _start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            _start.ArgumentList.Add(argument);
        }

        // Loopback only: never route a child's calls through a proxy from the environment.
        _start.Environment["NO_PROXY"] = "127.0.0.1,localhost";
        _start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                _start.Environment.Remove(key);
            }
            else
            {
                _start.Environment[key] = value;
            }
        }

        if (logPath is not null)
        {
            LogPath = logPath;
            _log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        }
    }

    public string Name { get; }

    public int Id => _process?.Id ?? 0;

    public string? LogPath { get; }

    public bool HasExited => _process is null || _process.HasExited;

    /// <summary>How many times the process was started (a restart counts).</summary>
    public int Starts { get; private set; }

    /// <summary>Starts a process and returns it running.</summary>
    public static ChildProcess Run(string name, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment,
        string? workingDirectory = null, string? logPath = null)
    {
        var child = new ChildProcess(name, fileName, arguments, environment, workingDirectory, logPath);
        child.Start();
        return child;
    }

    public void Start()
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException($"{Name} is already running (pid {_process.Id}).");
        }

        _process?.Dispose();
        var process = new Process { StartInfo = _start, EnableRaisingEvents = true };
        _exitCode = null;
        process.Exited += (_, _) => _exitCode = process.ExitCode;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        try
        {
            if (!process.Start())
            {
                throw new InvalidOperationException($"{Name} did not start: {_start.FileName} {string.Join(' ', _start.ArgumentList)}");
            }
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException(
                $"{Name}: '{_start.FileName}' could not run ({ex.Message}); scripts/test.sh installs what the tests need.", ex);
        }

        Starts++;
        Keep($"--- started {_start.FileName} {string.Join(' ', _start.ArgumentList)} as pid {process.Id}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        _process = process;
    }

    /// <summary>SIGKILL: no shutdown code runs, as when the machine or the OOM killer takes the process.</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        Keep($"--- SIGKILL pid {process.Id}");
        process.Kill(entireProcessTree: false);
        await WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>SIGTERM, as systemd, Kubernetes or <c>kill</c> stop a process: its shutdown code runs.</summary>
    public void Terminate()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        Keep($"--- SIGTERM pid {process.Id}");
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("kill did not start");
        kill.WaitForExit();
    }

    /// <summary>The exit code once the process has exited; null while it runs.</summary>
    public int? ExitCode => _process is { HasExited: true } process ? process.ExitCode : null;

    /// <summary>Throws a <see cref="TimeoutException"/> with the process's last lines when it is still running then.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        if (_process is null)
        {
            return;
        }

        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} (pid {_process.Id}) did not exit within {timeout.TotalSeconds:0} s.\n{RecentOutput()}");
        }
    }

    /// <summary>The last lines the process wrote (stdout and stderr interleaved), with a heading, for failure messages.</summary>
    public string RecentOutput(int lines = 80)
    {
        var all = _output.ToArray();
        var exit = _exitCode is { } code ? $" (exited with {code})" : string.Empty;
        return $"=== {Name}{exit}, last {Math.Min(lines, all.Length)} lines:\n" + string.Join('\n', all.TakeLast(lines));
    }

    public bool Said(string text) => _output.Any(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>Kills the process and whatever it started, and closes its log.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            try
            {
                Keep($"--- SIGKILL pid {process.Id} and its children");
                process.Kill(entireProcessTree: true);
                await WaitForExitAsync(TimeSpan.FromSeconds(30));
            }
            catch (InvalidOperationException)
            {
                // gone meanwhile
            }
        }

        _process?.Dispose();
        lock (_logGate)
        {
            _log?.Dispose();
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        var stamped = $"{DateTime.UtcNow:HH:mm:ss.fff} {line}";
        _output.Enqueue(stamped);
        while (_output.Count > KeptLines && _output.TryDequeue(out _))
        {
        }

        if (_log is null)
        {
            return;
        }

        lock (_logGate)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // a line that arrived after the end
            }
        }
    }
}
