using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Console.Tests.Images;

/// <summary>
/// One docker-registry (distribution v2, the Debian package's binary) started for a test fixture on
/// 127.0.0.1, with its storage in a temp folder; stopped and removed on dispose. The engine treats
/// 127.0.0.0/8 registries as insecure-allowed, so plain HTTP works without daemon configuration.
/// </summary>
internal sealed class RegistryProcess : IDisposable
{
    public const string Binary = "/usr/bin/docker-registry";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly Process _process;

    private RegistryProcess(Process process, string folder, string address)
    {
        _process = process;
        Folder = folder;
        Address = address;
    }

    /// <summary><c>127.0.0.1:PORT</c>.</summary>
    public string Address { get; }

    public string Folder { get; }

    /// <param name="port">A loopback port, or 0 for any free one.</param>
    /// <param name="folder">Where the configuration and the storage go (created when missing, deleted on dispose).</param>
    /// <param name="extraConfig">Top-level YAML sections appended to the configuration, e.g. <c>auth:</c>.</param>
    public static async Task<RegistryProcess> StartAsync(int port, string folder, string extraConfig = "")
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException(
                $"{Binary} is missing: run scripts/test.sh, which installs the Debian package 'docker-registry'.");
        }

        var address = $"127.0.0.1:{(port == 0 ? FreePort.Next() : port)}";
        Directory.CreateDirectory(folder);
        var config = Path.Combine(folder, "config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {Path.Combine(folder, "data")}
              delete:
                enabled: true
            http:
              addr: {address}

            """ + extraConfig);
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add(config);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{Binary} did not start.");
        var log = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => log.Enqueue(e.Data ?? string.Empty);
        process.ErrorDataReceived += (_, e) => log.Enqueue(e.Data ?? string.Empty);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var registry = new RegistryProcess(process, folder, address);

        var deadline = DateTime.UtcNow + StartTimeout;
        while (!await AnswersAsync(address))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                var exited = process.HasExited;
                registry.Dispose();
                throw new InvalidOperationException(
                    $"{Binary} did not answer on {address} within {StartTimeout.TotalSeconds} s (exited: {exited}). Its output:\n{string.Join('\n', log.TakeLast(20))}");
            }

            await Task.Delay(100);
        }

        return registry;
    }

    /// <summary>Whether a Docker registry (not just anything) answers there; one that wants credentials counts.</summary>
    public static async Task<bool> AnswersAsync(string address)
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

    public static bool IsFree(int port)
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

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS's temp cleanup.
        }
    }

}
