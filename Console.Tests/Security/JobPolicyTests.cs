using System.Net;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Security;
using Console.Contracts.WorkPools;
using Console.Tests.Infrastructure;

namespace Console.Tests.Security;

/// <summary>R7 and the Docker socket: what a run's container may mount and join is enforced on every write, 422 naming the field.</summary>
public sealed class JobPolicyTests(SecureApiFactory factory) : SecurityTestBase(factory), IClassFixture<SecureApiFactory>
{
    [Theory]
    [InlineData("/var/run/docker.sock:/var/run/docker.sock")]
    [InlineData("/run/docker.sock:/docker.sock:ro")]
    [InlineData("/home/me/.docker/desktop/docker.sock:/s")]
    [InlineData("/var/run:/host-run")]
    [InlineData("/:/host")]
    [InlineData("/var/./run:/h")]
    [InlineData("/run/.:/h")]
    [InlineData("/.:/h")]
    [InlineData("/etc/..:/h")]
    [InlineData("/proc/1/root:/h")]
    [InlineData("//var//run:/h")]
    [InlineData("/srv/../var/lib/docker:/h:ro")]
    [InlineData("/var:/h")]
    [InlineData("/etc:/h:ro")]
    [InlineData("/run/containerd/containerd.sock:/c.sock")]
    public async Task The_docker_socket_in_a_deployments_volumes_is_422_and_nothing_is_written(string volume)
    {
        var pool = await CreatePoolAsync();
        var before = await RowsAsync();
        var response = await Client.PostJsonAsync("/api/deployments", Deployment(pool.Name, new JsonObject { ["volumes"] = new JsonArray(volume) }));
        var problem = await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, "jobVariables.volumes");
        Assert.Contains("allowDockerSocket", problem.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(before, await RowsAsync());
    }

    [Fact]
    public async Task The_docker_socket_is_refused_on_updates_and_runs_as_well()
    {
        var pool = await CreatePoolAsync();
        var deployment = await CreateDeploymentAsync(pool.Name, jobVariables: new JsonObject { ["volumes"] = new JsonArray("cache:/cache") });
        var before = await RowsAsync();
        var socket = new JsonObject { ["volumes"] = new JsonArray("/var/run/docker.sock:/var/run/docker.sock") };

        await AssertProblemAsync(await Client.PatchJsonAsync($"/api/deployments/{deployment.Id}", new { jobVariables = socket }),
            HttpStatusCode.UnprocessableEntity, "jobVariables.volumes");
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/deployments/{deployment.Id}/runs", new CreateFlowRunRequest { JobVariables = socket }),
            HttpStatusCode.UnprocessableEntity, "jobVariables.volumes");

        Assert.Equal(before, await RowsAsync());
        Assert.Equal("cache:/cache", (await GetAsync<DeploymentDto>($"/api/deployments/{deployment.Id}")).JobVariables["volumes"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task A_template_that_allows_the_socket_explicitly_accepts_it()
    {
        var template = WorkPoolTypes.DefaultTemplate("docker");
        template[JobSecurityPolicy.AllowDockerSocket] = true;
        var pool = await CreatePoolAsync(template: template);
        var deployment = await CreateDeploymentAsync(pool.Name, jobVariables: new JsonObject { ["volumes"] = new JsonArray("/var/run/docker.sock:/var/run/docker.sock") });
        var run = await RunAsync(deployment.Id);
        Assert.Equal("/var/run/docker.sock:/var/run/docker.sock", run.JobVariables["volumes"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task A_template_whose_own_defaults_mount_the_socket_needs_the_flag()
    {
        var template = WorkPoolTypes.DefaultTemplate("docker");
        template["variables"]!["properties"]!["volumes"]!["default"] = new JsonArray("/var/run/docker.sock:/var/run/docker.sock");
        var before = await RowsAsync();
        var response = await Client.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = Unique("sock"), Type = "docker", BaseJobTemplate = template });
        await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, "baseJobTemplate.variables.properties.volumes.default");
        Assert.Equal(before, await RowsAsync());

        var literal = WorkPoolTypes.DefaultTemplate("docker");
        literal["jobConfiguration"]!["volumes"] = new JsonArray("/var/run/docker.sock:/var/run/docker.sock");
        await AssertProblemAsync(await Client.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = Unique("sock"), Type = "docker", BaseJobTemplate = literal }),
            HttpStatusCode.UnprocessableEntity, "baseJobTemplate.jobConfiguration.volumes");
        Assert.Equal(before, await RowsAsync());
    }

    [Fact]
    public async Task Host_network_mode_needs_the_template_to_declare_it()
    {
        var pool = await CreatePoolAsync();
        var before = await RowsAsync();
        await AssertProblemAsync(await Client.PostJsonAsync("/api/deployments", Deployment(pool.Name, new JsonObject { ["network_mode"] = "host" })),
            HttpStatusCode.UnprocessableEntity, "jobVariables.network_mode");
        Assert.Equal(before, await RowsAsync());
        await CreateDeploymentAsync(pool.Name, jobVariables: new JsonObject { ["network_mode"] = "bridge" });

        var declared = WorkPoolTypes.DefaultTemplate("docker");
        declared["variables"]!["properties"]!["network_mode"]!["enum"] = new JsonArray("bridge", "host", "none");
        var hostPool = await CreatePoolAsync(template: declared);
        await CreateDeploymentAsync(hostPool.Name, jobVariables: new JsonObject { ["network_mode"] = "host" });
    }

    [Fact]
    public async Task Privileged_is_422_where_the_pool_does_not_declare_it()
    {
        var pool = await CreatePoolAsync();
        var before = await RowsAsync();
        await AssertProblemAsync(await Client.PostJsonAsync("/api/deployments", Deployment(pool.Name, new JsonObject { ["privileged"] = true })),
            HttpStatusCode.UnprocessableEntity, "jobVariables.privileged");
        Assert.Equal(before, await RowsAsync());
    }

    [Fact]
    public async Task Host_path_and_named_volumes_stay_allowed_where_the_schema_declares_volumes()
    {
        var pool = await CreatePoolAsync();
        var deployment = await CreateDeploymentAsync(pool.Name, jobVariables: new JsonObject { ["volumes"] = new JsonArray("/srv/data:/data:ro", "cache:/cache") });
        Assert.Equal(2, deployment.JobVariables["volumes"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("container:some-database")]
    [InlineData("service:api")]
    [InlineData(" Host ")]
    public async Task Network_modes_that_share_a_namespace_are_422_and_nothing_is_written(string mode)
    {
        var pool = await CreatePoolAsync();
        var before = await RowsAsync();
        var problem = await AssertProblemAsync(await Client.PostJsonAsync("/api/deployments", Deployment(pool.Name, new JsonObject { ["network_mode"] = mode })),
            HttpStatusCode.UnprocessableEntity, "jobVariables.network_mode");
        Assert.Contains("network namespace", problem.ToJsonString(), StringComparison.Ordinal);
        await AssertProblemAsync(await Client.PostJsonAsync("/api/deployments", Deployment(pool.Name, new JsonObject { ["networks"] = new JsonArray(mode.Trim()) })),
            HttpStatusCode.UnprocessableEntity, "jobVariables.networks");
        Assert.Equal(before, await RowsAsync());
    }

    [Fact]
    public async Task A_network_mode_the_template_lists_is_allowed()
    {
        var declared = WorkPoolTypes.DefaultTemplate("docker");
        declared["variables"]!["properties"]!["network_mode"]!["enum"] = new JsonArray("bridge", "container:sidecar");
        var pool = await CreatePoolAsync(template: declared);
        var deployment = await CreateDeploymentAsync(pool.Name, jobVariables: new JsonObject { ["network_mode"] = "container:sidecar" });
        Assert.Equal("container:sidecar", deployment.JobVariables["network_mode"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("CONSOLE_API_URL=http://evil/?x")]
    [InlineData("A B")]
    [InlineData("1ST")]
    [InlineData("NAME\n")]
    [InlineData("")]
    public async Task Env_keys_that_are_not_variable_names_are_422_and_nothing_is_written(string key)
    {
        var pool = await CreatePoolAsync();
        var deployment = await CreateDeploymentAsync(pool.Name);
        var before = await RowsAsync();
        var env = new JsonObject { ["env"] = new JsonObject { ["GOOD_1"] = "x", [key] = "" } };
        await AssertProblemAsync(await Client.PostJsonAsync("/api/deployments", Deployment(pool.Name, env)),
            HttpStatusCode.UnprocessableEntity, "jobVariables.env");
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/deployments/{deployment.Id}/runs", new CreateFlowRunRequest { JobVariables = env }),
            HttpStatusCode.UnprocessableEntity, "jobVariables.env");
        Assert.Equal(before, await RowsAsync());
    }

    [Theory]
    [InlineData("/var/run/docker.sock:/x", true)]
    [InlineData("/var/./run:/x", true)]
    [InlineData("/run/.:/x", true)]
    [InlineData("/.:/x", true)]
    [InlineData("/etc/..:/x", true)]
    [InlineData("/proc/1/root:/x", true)]
    [InlineData("/var/lib/docker/volumes:/x", true)]
    [InlineData("/var/lib:/x", true)]
    [InlineData("/srv/../../..:/x", true)]
    [InlineData("/srv/./data/:/data", false)]
    [InlineData("/home/me/run:/x", false)]
    [InlineData("/etcetera:/x", false)]
    [InlineData("/var/run/docker.sock/:/x", true)]
    [InlineData("//var//run:/x", true)]
    [InlineData("/run:/x", true)]
    [InlineData("docker.sock:/x", true)]
    [InlineData("/srv/data:/data", false)]
    [InlineData("/var/lib/app:/data", false)]
    [InlineData("cache:/cache", false)]
    public void Socket_detection(string volume, bool exposes) =>
        Assert.Equal(exposes, JobSecurityPolicy.ExposesDockerSocket(volume));

    private static CreateDeploymentRequest Deployment(string pool, JsonObject variables) => new()
    {
        FlowName = Unique("flow"), Name = "d", Entrypoint = "flow.sh", WorkPoolName = pool, JobVariables = variables,
    };
}
