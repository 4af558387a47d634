using System.Collections.Concurrent;
using System.Diagnostics;

namespace Console.Tests.Faults;

/// <summary>
/// A real OS process a fault test starts and kills. Its output is kept (the last lines) so that a
/// failing test can say what the process said.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private const int KeptLines = 300;
    private readonly ProcessStartInfo _start;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;
    private int? _exitCode;

    public ChildProcess(string name, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment,
        string? workingDirectory = null)
    {
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
    }

    public string Name { get; }

    public int Id => _process?.Id ?? 0;

    public bool HasExited => _process is null || _process.HasExited;

    /// <summary>How many times the process was started (a restart counts).</summary>
    public int Starts { get; private set; }

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
        catch (System.ComponentModel.Win32Exception ex)
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

    /// <summary>The last lines the process wrote (stdout and stderr interleaved), for failure messages.</summary>
    public string RecentOutput(int lines = 80)
    {
        var all = _output.ToArray();
        var exit = _exitCode is { } code ? $" (exited with {code})" : string.Empty;
        return $"=== {Name}{exit}, last {Math.Min(lines, all.Length)} lines:\n" + string.Join('\n', all.TakeLast(lines));
    }

    public bool Said(string text) => _output.Any(l => l.Contains(text, StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
        while (_output.Count > KeptLines && _output.TryDequeue(out _))
        {
        }
    }
}
