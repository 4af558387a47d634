using System.Diagnostics;
using Docker.DotNet;

namespace Console.Tests.Faults;

/// <summary>
/// A second, private dockerd for one test (R4): its own socket, data root, exec root, pid file and
/// bridge, no iptables rules, so stopping it touches nothing of the machine's main engine that every
/// other test (and every other user of the machine) relies on.
/// </summary>
/// <remarks>
/// Never <c>--bridge=none</c>: dockerd 20.10 then deletes the host's <c>docker0</c> at start, which
/// breaks the main engine's default network. The test's bridge is its own, made here and removed after.
/// </remarks>
internal sealed class PrivateDockerEngine : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _folder;
    private readonly ChildProcess _dockerd;
    private readonly string _bridge = $"cxe{Random.Shared.Next(0x1000000):x6}";
    private bool _bridgeMade;

    public PrivateDockerEngine()
    {
        // Short: the socket path (and containerd's beneath the exec root) must fit a unix socket address.
        _folder = Directory.CreateTempSubdirectory("cx-engine-");
        var config = Path.Combine(_folder.FullName, "daemon.json");
        File.WriteAllText(config, "{}"); // never the machine's /etc/docker/daemon.json
        _dockerd = new ChildProcess("private dockerd", "dockerd",
        [
            "--config-file", config,
            "--host", DockerHost,
            "--data-root", Path.Combine(_folder.FullName, "data"),
            "--exec-root", Path.Combine(_folder.FullName, "exec"),
            "--pidfile", Path.Combine(_folder.FullName, "docker.pid"),
            "--bridge", _bridge, "--iptables=false", "--ip-masq=false", "--ip-forward=false",
        ], new Dictionary<string, string?>(), _folder.FullName);
    }

    public string DockerHost => "unix://" + Path.Combine(_folder.FullName, "docker.sock");

    public ChildProcess Process => _dockerd;

    /// <summary>Starts dockerd and waits (bounded) until the engine answers, as scripts/test-env.sh's ensure_dockerd does.</summary>
    public async Task StartAsync()
    {
        if (!_bridgeMade)
        {
            // A /24 of its own in a range the machine's engines do not use by default.
            var subnet = $"10.213.{Random.Shared.Next(1, 255)}";
            await RunAsync("sh", "-c", $"ip link add name {_bridge} type bridge && ip addr add {subnet}.1/24 dev {_bridge} && ip link set {_bridge} up");
            _bridgeMade = true;
        }

        _dockerd.Start();
        using var client = new DockerClientConfiguration(new Uri(DockerHost)).CreateClient();
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            if (_dockerd.HasExited)
            {
                throw new InvalidOperationException($"The private dockerd exited before it answered.\n{_dockerd.RecentOutput()}");
            }

            try
            {
                using var ping = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.System.PingAsync(ping.Token);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or DockerApiException
                                           or System.Net.Sockets.SocketException)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"The private dockerd did not answer within {Timeout.TotalSeconds:0} s.\n{_dockerd.RecentOutput()}");
                }

                await Task.Delay(200);
            }
        }
    }

    /// <summary>Stops the engine as an operator would (SIGTERM, it shuts down cleanly) and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        if (_dockerd.HasExited)
        {
            return;
        }

        await RunAsync("sh", "-c", $"kill -TERM {_dockerd.Id}");
        try
        {
            await _dockerd.WaitForExitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            await _dockerd.KillAsync();
        }
    }

    /// <summary>Copies an image of the main engine into this one (no registry is reachable here).</summary>
    public Task LoadImageAsync(string image) =>
        RunAsync("sh", "-c", $"docker save '{image}' | docker -H '{DockerHost}' load");

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _dockerd.DisposeAsync();
        // dockerd makes its data root a mount of its own; a clean stop undoes it, a killed one does not.
        await RunAsync("sh", "-c", $"umount '{Path.Combine(_folder.FullName, "data")}' 2>/dev/null || true");
        if (_bridgeMade)
        {
            await RunAsync("sh", "-c", $"ip link delete {_bridge} 2>/dev/null || true");
        }

        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A layer still mounted: the OS cleans the temp folder later.
        }
        catch (UnauthorizedAccessException)
        {
            // as above
        }
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{string.Join(' ', arguments)}' did not finish within {Timeout.TotalSeconds:0} s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{string.Join(' ', arguments)}' exited with {process.ExitCode}: {await stderr} {await stdout}");
        }
    }
}
