using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Console.Tests.Flows;

namespace Console.Tests.Hosting;

/// <summary>
/// The README's first command as a real process: <c>dotnet run --project Console.Web</c> from the
/// repository root, on a free loopback port with its database in a temp folder. <c>--no-build</c>
/// because <c>dotnet test</c> has just built it; a second build while tests run would only slow
/// everyone down.
/// </summary>
public sealed class ReadmeConsole : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private readonly StringBuilder _log = new();
    private Process? _process;

    public string Folder { get; } = Directory.CreateTempSubdirectory("console-readme-").FullName;

    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>When the process was started (UTC).</summary>
    public DateTime StartedAt { get; private set; }

    public async Task InitializeAsync()
    {
        BaseUrl = $"http://127.0.0.1:{FreePort.Next()}";
        var start = Shell.StartInfo("dotnet", Repository.Root, "run", "--project", "Console.Web", "--no-build", "--", "--urls", BaseUrl);
        start.Environment["ConnectionStrings__Console"] = $"Data Source={Path.Combine(Folder, "console.db")}";
        start.Environment["Worker__StateDirectory"] = Path.Combine(Folder, "worker");
        // The tutorial's docker pool runs the local test image: nothing can be pulled here.
        start.Environment["WorkPools__DefaultImage"] = Infrastructure.TestEnvironment.TestImage;
        StartedAt = DateTime.UtcNow;
        _process = Process.Start(start) ?? throw new InvalidOperationException("dotnet run did not start.");
        _process.OutputDataReceived += (_, e) => Log(e.Data);
        _process.ErrorDataReceived += (_, e) => Log(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!await HealthyAsync(http))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException(
                    $"'dotnet run --project Console.Web' did not answer {BaseUrl}/healthz within {StartTimeout.TotalSeconds} s (exited: {_process.HasExited}). Its output:\n{Output}");
            }

            await Task.Delay(200);
        }
    }

    public string Output
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>
    /// Ctrl+C as a terminal sends it: SIGINT to every process of the foreground job, <c>dotnet run</c>
    /// and the console it started (signalling only <c>dotnet run</c> leaves the console running);
    /// waits for the exit.
    /// </summary>
    public async Task<int> InterruptAsync(TimeSpan timeout)
    {
        var process = _process ?? throw new InvalidOperationException("The console was not started.");
        Assert.False(SigIntIgnored(),
            "SIGINT is ignored in this test process (it inherits that from a background job of a non-interactive shell), so the console "
            + "cannot see Ctrl+C: run the tests in the foreground, or in a shell with job control (set -m).");
        var pids = Descendants(process.Id).Prepend(process.Id).Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using (var kill = Process.Start(Shell.StartInfo("kill", Folder, ["-INT", .. pids]))!)
        {
            await kill.WaitForExitAsync();
        }

        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The console did not exit within {timeout.TotalSeconds} s of Ctrl+C. Its output:\n{Output}");
        }

        return process.ExitCode;
    }

    /// <summary>Bit 2 (SIGINT) of SigIgn in /proc/self/status: an ignored signal stays ignored in every child.</summary>
    private static bool SigIntIgnored()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        var mask = ulong.Parse(line["SigIgn:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        return (mask & 0x2) != 0;
    }

    /// <summary>The processes below <paramref name="root"/>, from /proc (each stat line names its parent).</summary>
    private static List<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                // "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The process ended while listed.
            }
        }

        var found = new List<int>();
        var queue = new Queue<int>([root]);
        while (queue.TryDequeue(out var parent))
        {
            foreach (var (pid, ppid) in parents)
            {
                if (ppid == parent)
                {
                    found.Add(pid);
                    queue.Enqueue(pid);
                }
            }
        }

        return found;
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(30));
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS's temp cleanup.
        }

        return Task.CompletedTask;
    }

    private async Task<bool> HealthyAsync(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(BaseUrl + "/healthz"));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private void Log(string? line)
    {
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

}
