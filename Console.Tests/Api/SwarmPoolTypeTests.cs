using System.Net;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Security;
using Console.Contracts.WorkPools;
using Console.Tests.Infrastructure;

namespace Console.Tests.Api;

/// <summary>The docker-swarm pool type over REST: its default template, and what its variables and the job policy accept.</summary>
public sealed class SwarmPoolTypeTests(ApiFactory factory) : ApiTestBase(factory), IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Types_list_docker_swarm_with_its_template_and_defaults()
    {
        var types = await GetAsync<List<WorkPoolTypeDto>>("/api/work-pool-types");

        var swarm = Assert.Single(types, t => t.Type == "docker-swarm");
        Assert.Equal("Docker Swarm", swarm.DisplayName);
        Assert.Contains("Swarm", swarm.Description, StringComparison.Ordinal);
        var variables = swarm.BaseJobTemplate["variables"]!["properties"]!.AsObject();
        foreach (var name in new[] { "image", "command", "env", "labels", "constraints", "resources", "networks", "volumes", "stream_output" })
        {
            Assert.True(variables.ContainsKey(name), name);
            Assert.Equal($"{{{{ {name} }}}}", swarm.BaseJobTemplate["jobConfiguration"]![name]!.GetValue<string>());
        }

        Assert.False(variables.ContainsKey("privileged"));
        Assert.False(variables.ContainsKey("network_mode"));
        Assert.Equal(TestEnvironment.TestImage, variables["image"]!["default"]!.GetValue<string>());
        Assert.True(variables["stream_output"]!["default"]!.GetValue<bool>());
        Assert.Equal(["limits", "reservations"], variables["resources"]!["properties"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task A_pool_is_created_with_the_default_template_and_runs_merge_its_variables()
    {
        var pool = await CreatePoolAsync(type: "docker-swarm");
        Assert.Equal("docker-swarm", pool.Type);
        Assert.Equal(WorkPoolTypes.DefaultTemplate("docker-swarm", TestEnvironment.TestImage).ToJsonString(), pool.BaseJobTemplate.ToJsonString());

        var deployment = await CreateDeploymentAsync(pool.Name, jobVariables: new JsonObject
        {
            ["constraints"] = new JsonArray("node.labels.zone==eu"),
            ["resources"] = new JsonObject { ["limits"] = new JsonObject { ["cpus"] = 1.5, ["memory"] = "1g" } },
        });
        var response = await Client.PostJsonAsync($"/api/deployments/{deployment.Id}/runs", new CreateFlowRunRequest());
        var run = await response.ReadAsync<FlowRunDto>();

        Assert.Equal("node.labels.zone==eu", run.JobVariables["constraints"]![0]!.GetValue<string>());
        Assert.Equal("1g", run.JobVariables["resources"]!["limits"]!["memory"]!.GetValue<string>());
        Assert.Equal("echo hello", run.JobVariables["command"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{\"limits\":{\"cpus\":0}}")]
    [InlineData("{\"limits\":{\"gpus\":1}}")]
    [InlineData("{\"requests\":{}}")]
    [InlineData("{\"reservations\":{\"memory\":512}}")]
    public async Task Resources_outside_the_schema_are_422_and_nothing_is_written(string resources)
    {
        var pool = await CreatePoolAsync(type: "docker-swarm");
        var before = await CountRowsAsync();

        var response = await Client.PostJsonAsync("/api/deployments", Deployment(pool.Name, new JsonObject { ["resources"] = JsonNode.Parse(resources) }));

        await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, "jobVariables.resources");
        Assert.Equal(before, await CountRowsAsync());
    }

    [Fact]
    public async Task Docker_only_variables_are_422_on_a_swarm_pool()
    {
        var pool = await CreatePoolAsync(type: "docker-swarm");

        foreach (var variable in new[] { "privileged", "network_mode", "image_pull_policy" })
        {
            var value = variable == "privileged" ? (JsonNode)true : "host";
            var response = await Client.PostJsonAsync("/api/deployments", Deployment(pool.Name, new JsonObject { [variable] = value }));
            await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, $"jobVariables.{variable}");
        }
    }

    [Fact]
    public async Task The_docker_socket_and_the_host_network_need_the_templates_flags_on_a_swarm_pool()
    {
        var pool = await CreatePoolAsync(type: "docker-swarm");

        var socket = await Client.PostJsonAsync("/api/deployments",
            Deployment(pool.Name, new JsonObject { ["volumes"] = new JsonArray("/var/run/docker.sock:/var/run/docker.sock") }));
        var host = await Client.PostJsonAsync("/api/deployments", Deployment(pool.Name, new JsonObject { ["networks"] = new JsonArray("jobs", "host") }));

        var problem = await AssertProblemAsync(socket, HttpStatusCode.UnprocessableEntity, "jobVariables.volumes");
        Assert.Contains(JobSecurityPolicy.AllowDockerSocket, problem.ToJsonString(), StringComparison.Ordinal);
        problem = await AssertProblemAsync(host, HttpStatusCode.UnprocessableEntity, "jobVariables.networks");
        Assert.Contains(JobSecurityPolicy.AllowHostNetwork, problem.ToJsonString(), StringComparison.Ordinal);
        await CreateDeploymentAsync(pool.Name, jobVariables: new JsonObject { ["networks"] = new JsonArray("jobs"), ["volumes"] = new JsonArray("/srv/data:/data:ro") });

        var allowing = WorkPoolTypes.DefaultTemplate("docker-swarm");
        allowing[JobSecurityPolicy.AllowHostNetwork] = true;
        var hostPool = await CreatePoolAsync(type: "docker-swarm", template: allowing);
        await CreateDeploymentAsync(hostPool.Name, jobVariables: new JsonObject { ["networks"] = new JsonArray("host") });
    }

    [Fact]
    public async Task The_host_network_as_a_docker_pools_first_network_needs_the_flag_too()
    {
        // The docker type turns a first network into the container's network mode.
        var pool = await CreatePoolAsync(type: "docker");

        var response = await Client.PostJsonAsync("/api/deployments", Deployment(pool.Name, new JsonObject { ["networks"] = new JsonArray("host") }));

        await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, "jobVariables.networks");
    }

    private static CreateDeploymentRequest Deployment(string pool, JsonObject variables) => new()
    {
        FlowName = Unique("flow"),
        Name = "d",
        Entrypoint = "flow.sh",
        WorkPoolName = pool,
        JobVariables = variables,
    };
}
