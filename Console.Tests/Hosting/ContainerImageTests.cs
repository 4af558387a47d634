using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Contracts.Security;
using Console.Tests.Flows;
using Console.Tests.Infrastructure;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Console.Tests.Hosting;

/// <summary>
/// The top-level Dockerfile, built for real by scripts/console-image.sh (local bases: nothing can be
/// pulled here) and run as a user would: bootstrap an admin on a data volume, start the console
/// on a loopback-published port, wait for its HEALTHCHECK, use the API, restart it.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit v2 disposes test classes through IAsyncLifetime.DisposeAsync")]
public sealed partial class ContainerImageTests : IAsyncLifetime
{
    /// <summary>Kept between runs on purpose: an unchanged context rebuilds from the layer cache.</summary>
    private const string Image = "console-test/console:latest";
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan HealthyTimeout = TimeSpan.FromSeconds(120);

    private readonly DockerClientConfiguration _configuration = new(new Uri("unix://" + TestEnvironment.DockerSocket));
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..10];
    private readonly List<string> _containers = [];
    private DockerClient _docker = null!;

    private string Volume => $"console-image-test-{_suffix}";

    // Its own bridge network, so the test does not depend on (or disturb) the default one.
    private string Network => $"console-image-test-{_suffix}";

    [GeneratedRegex(@"admin API key:\s+(cx_\S+)")]
    private static partial Regex KeyLine();

    public async Task InitializeAsync()
    {
        TestEnvironment.RequireDocker();
        _docker = _configuration.CreateClient();
        await _docker.Volumes.CreateAsync(new VolumesCreateParameters { Name = Volume });
        await _docker.Networks.CreateNetworkAsync(new NetworksCreateParameters { Name = Network });
    }

    public async Task DisposeAsync()
    {
        foreach (var id in _containers)
        {
            await _docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true });
        }

        await _docker.Volumes.RemoveAsync(Volume, force: true);
        await _docker.Networks.DeleteNetworkAsync(Network);
        _docker.Dispose();
        _configuration.Dispose();
    }

    [Fact]
    public async Task The_image_runs_as_non_root_with_a_health_check_and_keeps_its_data_across_a_restart()
    {
        await BuildImageAsync();
        var inspect = await _docker.Images.InspectImageAsync(Image);
        Assert.Equal(["dotnet", "/app/Console.Web.dll", "--health-check"], inspect.Config.Healthcheck.Test.Skip(1));
        Assert.Contains("/data", inspect.Config.Volumes.Keys);

        // Listening on all addresses, it refuses to start without credentials: bootstrap once on the volume.
        var bootstrap = await RunToEndAsync(["--bootstrap-admin", "admin"]);
        Assert.True(bootstrap.ExitCode == 0, bootstrap.Output);
        var key = KeyLine().Match(bootstrap.Output).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(key), bootstrap.Output);

        var id = await StartConsoleAsync();
        var port = await WaitHealthyAsync(id);
        using var anonymous = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/work-pools")).StatusCode);
        // Production serves the framework's, MudBlazor's and the top-level wwwroot's files.
        foreach (var asset in new[] { "/_framework/blazor.web.js", "/_content/MudBlazor/MudBlazor.min.css", "/app.css", "/js/console.js" })
        {
            Assert.True((await anonymous.GetAsync(asset)).StatusCode == HttpStatusCode.OK, asset);
        }

        using (var admin = Client(port, key))
        {
            var created = await admin.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = "image-pool", Type = "process" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Contains("image-pool", (await admin.GetFromJson<List<WorkPoolDto>>("/api/work-pools")).Select(p => p.Name));
            // The embedded worker found the container's port (ASPNETCORE_HTTP_PORTS) and serves its pool.
            await Wait.UntilAsync(async () => (await admin.GetFromJson<List<WorkerDto>>("/api/work-pools/local-process-pool/workers"))
                .Any(w => w.Status == WorkerStatus.Online), "the image's console to get there", 60);

            // A standalone worker from the same image, with a worker key for that pool, runs a flow.
            var workerKey = await (await admin.PostJsonAsync("/api/keys", new CreateApiKeyRequest { Name = "image-worker", Role = "worker", Pools = ["image-pool"] }))
                .ReadAsync<CreatedApiKeyDto>();
            await StartWorkerAsync(workerKey.Key);
            var deployment = await (await admin.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
            {
                FlowName = "image",
                Name = "hello",
                Entrypoint = "inline",
                // git is in the image: workers from it can run gitClone pull steps.
                Command = "sh -c 'echo hello from $(id -u); git --version'",
                WorkPoolName = "image-pool",
            })).ReadAsync<DeploymentDto>();
            var run = await (await admin.PostJsonAsync($"/api/deployments/{deployment.Id}/runs", new CreateFlowRunRequest())).ReadAsync<FlowRunDto>();
            await Wait.UntilAsync(async () => (await admin.GetFromJson<FlowRunDto>($"/api/flow-runs/{run.Id}")).State.IsTerminal(), "the image's console to get there", 60);
            var done = await admin.GetFromJson<FlowRunDto>($"/api/flow-runs/{run.Id}");
            Assert.True(done.State == FlowRunState.Completed, $"{done.State}: {done.StateMessage}");
            Assert.Equal("image-worker", done.WorkerName);
            await Wait.UntilAsync(async () => (await admin.GetFromJson<List<LogLineDto>>($"/api/flow-runs/{run.Id}/logs"))
                .Any(l => l.Message.Contains("hello from 1654", StringComparison.Ordinal)), "the image's console to get there", 60);
            await Wait.UntilAsync(async () => (await admin.GetFromJson<List<LogLineDto>>($"/api/flow-runs/{run.Id}/logs"))
                .Any(l => l.Message.StartsWith("git version ", StringComparison.Ordinal)), "the flow's `git --version` line (git in the image)", 60);
        }

        var state = (await _docker.Containers.InspectContainerAsync(id)).State;
        var uid = File.ReadLines($"/proc/{state.Pid}/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        Assert.Equal(["1654", "1654", "1654", "1654"], uid.Split('\t', StringSplitOptions.RemoveEmptyEntries).Skip(1));

        await _docker.Containers.RestartContainerAsync(id, new ContainerRestartParameters { WaitBeforeKillSeconds = 20 });
        port = await WaitHealthyAsync(id);
        using (var admin = Client(port, key))
        {
            Assert.Contains("image-pool", (await admin.GetFromJson<List<WorkPoolDto>>("/api/work-pools")).Select(p => p.Name));
        }
    }

    private static HttpClient Client(string port, string key)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task BuildImageAsync()
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repository.Root,
        };
        start.ArgumentList.Add(Path.Combine(Repository.Root, "scripts", "console-image.sh"));
        start.ArgumentList.Add("--tag");
        start.ArgumentList.Add(Image);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(BuildTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"scripts/console-image.sh did not finish within {BuildTimeout}: {Tail(await stderr)}");
        }

        Assert.True(process.ExitCode == 0, $"scripts/console-image.sh failed ({process.ExitCode}): {Tail(await stderr)}");
        Assert.Equal(Image, (await stdout).Trim());
    }

    private async Task<(long ExitCode, string Output)> RunToEndAsync(IList<string> arguments)
    {
        var container = await _docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = Image,
            Cmd = arguments,
            Labels = new Dictionary<string, string> { ["console-test"] = "image" },
            HostConfig = new HostConfig { Binds = [$"{Volume}:/data"], NetworkMode = "none" },
        });
        _containers.Add(container.ID);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await _docker.Containers.StartContainerAsync(container.ID, new ContainerStartParameters(), timeout.Token);
        var exit = await _docker.Containers.WaitContainerAsync(container.ID, timeout.Token);
        return (exit.StatusCode, await LogsAsync(container.ID));
    }

    private async Task<string> StartConsoleAsync()
    {
        var container = await _docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = Image,
            Name = $"console-image-test-{_suffix}",
            Labels = new Dictionary<string, string> { ["console-test"] = "image" },
            HostConfig = new HostConfig
            {
                Binds = [$"{Volume}:/data"],
                NetworkMode = Network,
                // Loopback only, on a port the engine picks: nothing else on this machine collides.
                PortBindings = new Dictionary<string, IList<PortBinding>>
                {
                    ["8080/tcp"] = [new PortBinding { HostIP = "127.0.0.1", HostPort = string.Empty }],
                },
            },
        });
        _containers.Add(container.ID);
        await _docker.Containers.StartContainerAsync(container.ID, new ContainerStartParameters());
        return container.ID;
    }

    private async Task StartWorkerAsync(string key)
    {
        var container = await _docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = Image,
            Entrypoint = ["cx"],
            Cmd = ["worker", "start", "--pool", "image-pool", "--name", "image-worker"],
            Env = [$"CONSOLE_API_URL=http://console-image-test-{_suffix}:8080", $"CONSOLE_API_KEY={key}"],
            Labels = new Dictionary<string, string> { ["console-test"] = "image" },
            HostConfig = new HostConfig { NetworkMode = Network },
        });
        _containers.Add(container.ID);
        await _docker.Containers.StartContainerAsync(container.ID, new ContainerStartParameters());
    }

    /// <summary>Waits until Docker reports the image's own HEALTHCHECK healthy; returns the published host port.</summary>
    private async Task<string> WaitHealthyAsync(string id)
    {
        using var timeout = new CancellationTokenSource(HealthyTimeout);
        ContainerInspectResponse inspect;
        while (true)
        {
            inspect = await _docker.Containers.InspectContainerAsync(id);
            if (inspect.State.Health?.Status == "healthy" && inspect.State.Running)
            {
                break;
            }

            if (!inspect.State.Running || inspect.State.Health?.Status == "unhealthy" || timeout.IsCancellationRequested)
            {
                var checks = string.Join(" | ", inspect.State.Health?.Log.Select(l => l.Output.Trim()) ?? []);
                throw new Xunit.Sdk.XunitException(
                    $"the console container is {inspect.State.Status}, health {inspect.State.Health?.Status} (checks: {checks}); its log: {Tail(await LogsAsync(id))}");
            }

            await Task.Delay(250, CancellationToken.None);
        }

        Assert.Contains("/healthz: 200", inspect.State.Health.Log[^1].Output, StringComparison.Ordinal);
        return inspect.NetworkSettings.Ports["8080/tcp"][0].HostPort;
    }

    private async Task<string> LogsAsync(string id)
    {
        using var logs = await _docker.Containers.GetContainerLogsAsync(id, tty: false,
            new ContainerLogsParameters { ShowStdout = true, ShowStderr = true }, CancellationToken.None);
        var (stdout, stderr) = await logs.ReadOutputToEndAsync(CancellationToken.None);
        return stdout + stderr;
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
