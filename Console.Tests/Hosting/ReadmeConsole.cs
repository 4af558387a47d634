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

    /// <summary>Ctrl+C as a terminal sends it (SIGINT to <c>dotnet run</c>, which passes it on); waits for the exit.</summary>
    public async Task<int> InterruptAsync(TimeSpan timeout)
    {
        var process = _process ?? throw new InvalidOperationException("The console was not started.");
        using (var kill = Process.Start(Shell.StartInfo("kill", Folder, "-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)))!)
        {
            await kill.WaitForExitAsync();
        }

        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        return process.ExitCode;
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
