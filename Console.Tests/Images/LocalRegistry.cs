using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Console.Tests.Images;

/// <summary>
/// A real Docker registry (distribution v2) on loopback for push and pull tests: the one already
/// answering on 127.0.0.1:5000 (scripts/test-env.sh's start_registry, or CONSOLE_TEST_REGISTRY),
/// else one this fixture starts from the Debian package's /usr/bin/docker-registry and stops
/// afterwards. The engine treats 127.0.0.0/8 registries as insecure-allowed, so plain HTTP works.
/// </summary>
public sealed class LocalRegistry : IAsyncLifetime
{
    public const string Binary = "/usr/bin/docker-registry";
    private const int PreferredPort = 5000;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private Process? _process;
    private string? _folder;

    /// <summary><c>127.0.0.1:PORT</c>.</summary>
    public string Address { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        foreach (var candidate in new[] { Environment.GetEnvironmentVariable("CONSOLE_TEST_REGISTRY"), $"127.0.0.1:{PreferredPort}" })
        {
            if (!string.IsNullOrWhiteSpace(candidate) && await AnswersAsync(candidate))
            {
                Address = candidate;
                return;
            }
        }

        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException(
                $"No registry answers on 127.0.0.1:{PreferredPort} and {Binary} is missing: run scripts/test.sh, which installs the Debian package 'docker-registry'.");
        }

        // Port 5000 may be held by something that is not a registry (a console server, say): any loopback port will do.
        var port = IsFree(PreferredPort) ? PreferredPort : FreePort();
        Address = $"127.0.0.1:{port}";
        _folder = Directory.CreateTempSubdirectory("console-registry-").FullName;
        var config = Path.Combine(_folder, "config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {Path.Combine(_folder, "data")}
              delete:
                enabled: true
            http:
              addr: {Address}
            """);
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add(config);
        _process = Process.Start(start) ?? throw new InvalidOperationException($"{Binary} did not start.");
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        _process.OutputDataReceived += (_, e) => log.Enqueue(e.Data ?? string.Empty);
        _process.ErrorDataReceived += (_, e) => log.Enqueue(e.Data ?? string.Empty);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + StartTimeout;
        while (!await AnswersAsync(Address))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException(
                    $"{Binary} did not answer on {Address} within {StartTimeout.TotalSeconds} s (exited: {_process.HasExited}). Its output:\n{string.Join('\n', log.TakeLast(20))}");
            }

            await Task.Delay(100);
        }
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }

        _process?.Dispose();
        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }

        return Task.CompletedTask;
    }

    /// <summary>Whether a Docker registry (not just anything) answers there.</summary>
    private async Task<bool> AnswersAsync(string address)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri($"http://{address}/v2/"));
            return response.Headers.Contains("Docker-Distribution-Api-Version");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
