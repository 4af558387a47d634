using System.Text.Json.Nodes;
using Console.Contracts.FlowRuns;
using Console.Core.Persistence;
using Console.Tests.Infrastructure;
using Console.Worker.Infrastructure.Docker;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Console.Tests.Worker.WorkerTestKit;

namespace Console.Tests.Worker;

/// <summary>
/// The worker checks a run's job configuration again before it creates anything: runs whose job
/// variables were changed behind the server's back (straight in the database, past every check of
/// the API) end Crashed with the reason, and no container is ever created for them.
/// </summary>
public sealed class WorkerJobPolicyTests : IClassFixture<ConsoleServer>, IDisposable
{
    private readonly ConsoleServer _server;
    private readonly HttpClient _http;
    private readonly DockerClient _docker = DockerClient();
    private readonly string _pool = "policy-" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _worker = "w-" + Guid.NewGuid().ToString("N")[..10];

    public WorkerJobPolicyTests(ConsoleServer server)
    {
        TestEnvironment.RequireDocker();
        _server = server;
        _http = server.CreateHttpClient();
    }

    [Fact]
    public async Task Tampered_runs_crash_with_the_reason_and_get_no_container_while_a_clean_run_of_the_pool_completes()
    {
        await _http.CreatePoolAsync(_pool, "docker");
        // auto_remove off: a container created by mistake would still be there to find.
        var keep = new JsonObject { ["auto_remove"] = false };
        var data = Directory.CreateTempSubdirectory("console-policy-data-");
        var cleanVariables = (JsonObject)keep.DeepClone();
        cleanVariables["volumes"] = new JsonArray($"{data.FullName}/./:/data:ro");
        cleanVariables["env"] = new JsonObject { ["GOOD_NAME"] = "fine" };
        var clean = await _http.RunAsync(_pool, "sh -c 'echo clean $GOOD_NAME'", cleanVariables);
        var socket = await TamperedRunAsync(keep, v => v["volumes"] = new JsonArray("/var/run/docker.sock:/var/run/docker.sock"));
        var root = await TamperedRunAsync(keep, v => v["volumes"] = new JsonArray("/:/host:ro"));
        var hostNetwork = await TamperedRunAsync(keep, v => v["network_mode"] = "host");
        var privileged = await TamperedRunAsync(keep, v => v["privileged"] = true);
        var spellings = new List<Guid>();
        foreach (var spelling in new[] { "/var/./run", "/run/.", "/.", "/etc/..", "/proc/1/root", "//var//run" })
        {
            spellings.Add(await TamperedRunAsync(keep, v => v["volumes"] = new JsonArray($"{spelling}:/h")));
        }

        var containerNetwork = await TamperedRunAsync(keep, v => v["network_mode"] = "container:" + Environment.MachineName);
        var envKey = await TamperedRunAsync(keep, v => v["env"] = new JsonObject { ["CONSOLE_API_URL=http://evil/?x"] = "" });

        // A link the server cannot see through: only the worker, on its host, resolves it to /var/run.
        var links = Directory.CreateTempSubdirectory("console-policy-link-");
        File.CreateSymbolicLink(Path.Combine(links.FullName, "innocent"), "/var/run");
        var viaLinkVariables = (JsonObject)keep.DeepClone();
        viaLinkVariables["volumes"] = new JsonArray($"{links.FullName}/innocent:/h");
        var viaLink = (await _http.RunAsync(_pool, "sh -c 'echo escaped'", viaLinkVariables)).Id;

        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);

        (Guid Run, string Field, string Reason)[] expected =
        [
            (socket, "jobVariables.volumes", "Mounting the Docker socket"),
            (root, "jobVariables.volumes", "Mounting the Docker socket"),
            (hostNetwork, "jobVariables.network_mode", "network_mode 'host'"),
            (privileged, "jobVariables.privileged", "declares no variable 'privileged'"),
            (containerNetwork, "jobVariables.network_mode", "network namespace"),
            (envKey, "jobVariables.env", "is not a variable name"),
            (viaLink, "jobVariables.volumes", "Mounting the Docker socket"),
            .. spellings.Select(run => (run, "jobVariables.volumes", "Mounting the Docker socket")),
        ];
        foreach (var (run, field, reason) in expected)
        {
            var crashed = await _http.WaitForStateAsync(run, FlowRunState.Crashed);
            Assert.StartsWith("The job configuration is invalid; the worker created nothing.", crashed.StateMessage, StringComparison.Ordinal);
            Assert.Contains($"{field}: ", crashed.StateMessage, StringComparison.Ordinal);
            Assert.Contains(reason, crashed.StateMessage, StringComparison.Ordinal);
            Assert.Null(crashed.InfrastructureId);
            Assert.Contains(await _http.LogsAsync(run), l => l.Stream == "worker" && l.Level == "error" && l.Message == crashed.StateMessage);
        }

        var done = await _http.WaitForStateAsync(clean.Id, FlowRunState.Completed);
        Assert.Equal(["clean fine"], await _http.OutputAsync(clean.Id));
        var container = await _docker.Containers.InspectContainerAsync(Assert.Single(await ContainersOfAsync(clean.Id)).ID);
        Assert.Contains(container.Mounts, m => m.Source == data.FullName && m.Destination == "/data" && !m.RW);
        Assert.Contains("GOOD_NAME=fine", container.Config.Env);
        foreach (var (run, _, _) in expected)
        {
            Assert.Empty(await ContainersOfAsync(run));
        }

        Assert.Equal(_worker, done.WorkerName);
    }

    public void Dispose()
    {
        WorkerEndToEndTests.RemoveContainersOf(_docker, _worker);
        _docker.Dispose();
        _http.Dispose();
    }

    /// <summary>A run created through the API, then changed in the database itself: no API check ever sees the change.</summary>
    private async Task<Guid> TamperedRunAsync(JsonObject variables, Action<JsonObject> tamper)
    {
        var run = await _http.RunAsync(_pool, "sh -c 'echo escaped'", (JsonObject)variables.DeepClone());
        var changed = run.JobVariables.DeepClone().AsObject();
        tamper(changed);
        await using var scope = _server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var rows = await db.FlowRuns.Where(r => r.Id == run.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.JobVariables, changed.ToJsonString()));
        Assert.Equal(1, rows);
        Assert.Equal(changed.ToJsonString(), (await _http.GetRunAsync(run.Id)).JobVariables.ToJsonString());
        return run.Id;
    }

    private async Task<IList<ContainerListResponse>> ContainersOfAsync(Guid run) =>
        await _docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{DockerLabels.FlowRunId}={run}"] = true },
            },
        });
}
