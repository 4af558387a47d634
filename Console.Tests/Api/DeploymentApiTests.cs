using System.Net;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;

namespace Console.Tests.Api;

public abstract class DeploymentApiTests(ApiFactory factory) : ApiTestBase(factory)
{
    [Fact]
    public async Task Create_get_by_id_and_by_name_and_filter()
    {
        var pool = await CreatePoolAsync();
        var deployment = await CreateDeploymentAsync(pool.Name, jobVariables: new JsonObject { ["image"] = "alpine:3" });
        Assert.Equal(("default", DeploymentStatus.NotReady), (deployment.WorkQueueName, deployment.Status));

        var byId = await GetAsync<DeploymentDto>($"/api/deployments/{deployment.Id}");
        Assert.Equal("alpine:3", byId.JobVariables["image"]!.GetValue<string>());
        var byName = await GetAsync<DeploymentDto>($"/api/deployments/by-name/{deployment.FlowName}/{deployment.Name}");
        Assert.Equal(deployment.Id, byName.Id);
        var filtered = await GetAsync<List<DeploymentDto>>($"/api/deployments?pool={pool.Name}");
        Assert.Equal(deployment.Id, Assert.Single(filtered).Id);
        Assert.Single(await GetAsync<List<DeploymentDto>>($"/api/deployments?flow={deployment.FlowName}"));

        await PollAsync(pool.Name, "w1");
        Assert.Equal(DeploymentStatus.Ready, (await GetAsync<DeploymentDto>($"/api/deployments/{deployment.Id}")).Status);
    }

    [Fact]
    public async Task Duplicate_flow_and_name_is_409_unknown_pool_404_unknown_queue_404()
    {
        var pool = await CreatePoolAsync();
        var deployment = await CreateDeploymentAsync(pool.Name);
        var before = await CountRowsAsync();
        await AssertProblemAsync(await Client.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = deployment.FlowName, Name = deployment.Name, Entrypoint = "x.sh", WorkPoolName = pool.Name,
        }), HttpStatusCode.Conflict);
        await AssertProblemAsync(await Client.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = "f", Name = "d", Entrypoint = "x.sh", WorkPoolName = Unique("nopool"),
        }), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Client.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = "f", Name = "d", Entrypoint = "x.sh", WorkPoolName = pool.Name, WorkQueueName = "nope",
        }), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Client.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = "f", Name = "d", WorkPoolName = pool.Name,
        }), HttpStatusCode.BadRequest, "entrypoint");
        Assert.Equal(before, await CountRowsAsync());
    }

    [Fact]
    public async Task Job_variables_outside_the_schema_are_422_naming_each_field()
    {
        var pool = await CreatePoolAsync();
        var before = await CountRowsAsync();
        var response = await Client.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = "f", Name = Unique("d"), Entrypoint = "x.sh", WorkPoolName = pool.Name,
            JobVariables = new JsonObject { ["privileged"] = true, ["cpus"] = "lots", ["image_pull_policy"] = "Sometimes" },
        });
        var problem = await AssertProblemAsync(response, (HttpStatusCode)422, "jobVariables.privileged");
        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("jobVariables.cpus"));
        Assert.True(errors.ContainsKey("jobVariables.image_pull_policy"));
        Assert.Equal(before, await CountRowsAsync());
    }

    [Fact]
    public async Task Privileged_is_allowed_only_where_the_pool_declares_it()
    {
        var template = (JsonObject)(await GetAsync<List<WorkPoolTypeDto>>("/api/work-pool-types")).Single(t => t.Type == "docker").BaseJobTemplate.DeepClone();
        template["jobConfiguration"]!["privileged"] = "{{ privileged }}";
        template["variables"]!["properties"]!["privileged"] = new JsonObject { ["type"] = "boolean", ["default"] = false };
        var pool = await CreatePoolAsync(template: template);
        var deployment = await CreateDeploymentAsync(pool.Name, jobVariables: new JsonObject { ["privileged"] = true });
        Assert.True(deployment.JobVariables["privileged"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Runs_merge_pool_defaults_deployment_and_run_with_env_key_by_key()
    {
        var pool = await CreatePoolAsync();
        var deployment = await CreateDeploymentAsync(pool.Name, command: "sh -c 'echo hi'",
            jobVariables: new JsonObject { ["env"] = new JsonObject { ["A"] = "dep", ["B"] = "dep" }, ["mem_limit"] = "256m" });
        var run = await RunAsync(deployment.Id, new CreateFlowRunRequest
        {
            JobVariables = new JsonObject { ["env"] = new JsonObject { ["B"] = "run", ["C"] = "run" } },
            Parameters = new JsonObject { ["repo"] = "/src" },
        });

        var vars = run.JobVariables;
        Assert.Equal("console-test/busybox:latest", vars["image"]!.GetValue<string>()); // pool default
        Assert.Equal("IfNotPresent", vars["image_pull_policy"]!.GetValue<string>());
        Assert.Equal("sh -c 'echo hi'", vars["command"]!.GetValue<string>()); // deployment command
        Assert.Equal("256m", vars["mem_limit"]!.GetValue<string>());
        Assert.Equal("""{"A":"dep","B":"run","C":"run"}""", vars["env"]!.ToJsonString());
        Assert.Equal("/src", run.Parameters["repo"]!.GetValue<string>());
        Assert.Equal(FlowRunState.Scheduled, run.State);

        var bad = await Client.PostJsonAsync($"/api/deployments/{deployment.Id}/runs",
            new CreateFlowRunRequest { JobVariables = new JsonObject { ["nope"] = 1 } });
        await AssertProblemAsync(bad, (HttpStatusCode)422, "jobVariables.nope");
    }

    [Fact]
    public async Task Schedules_are_validated_and_stored()
    {
        var pool = await CreatePoolAsync();
        var ok = await Client.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = "sched", Name = Unique("d"), Entrypoint = "x.sh", WorkPoolName = pool.Name,
            Schedules = [new ScheduleDto { Cron = "*/5 * * * *", Timezone = "Europe/Paris" }, new ScheduleDto { IntervalSeconds = 3600 }],
        });
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        var dto = await ok.ReadAsync<DeploymentDto>();
        Assert.Equal(2, dto.Schedules.Count);
        Assert.NotNull(dto.Schedules[1].AnchorDate);

        await AssertProblemAsync(await Client.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = "sched", Name = Unique("d"), Entrypoint = "x.sh", WorkPoolName = pool.Name,
            Schedules = [new ScheduleDto { Cron = "every tuesday" }],
        }), HttpStatusCode.BadRequest, "schedules[0].cron");
        await AssertProblemAsync(await Client.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = "sched", Name = Unique("d"), Entrypoint = "x.sh", WorkPoolName = pool.Name,
            Schedules = [new ScheduleDto { IntervalSeconds = 60, Timezone = "Mars/Olympus" }],
        }), HttpStatusCode.BadRequest, "schedules[0].timezone");
    }

    [Fact]
    public async Task Patch_and_delete_cancel_runs_that_never_started()
    {
        var pool = await CreatePoolAsync();
        var deployment = await CreateDeploymentAsync(pool.Name);
        var patched = await (await Client.PatchJsonAsync($"/api/deployments/{deployment.Id}", new { description = "d2", isPaused = true })).ReadAsync<DeploymentDto>();
        Assert.Equal(("d2", true), (patched.Description, patched.IsPaused));
        await AssertProblemAsync(await Client.PatchJsonAsync($"/api/deployments/{deployment.Id}", new { jobVariables = new { nope = 1 } }), (HttpStatusCode)422, "jobVariables.nope");

        var run = await RunAsync(deployment.Id);
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/api/deployments/{deployment.Id}")).StatusCode);
        await AssertProblemAsync(await Client.GetAsync($"/api/deployments/{deployment.Id}"), HttpStatusCode.NotFound);
        Assert.Equal(FlowRunState.Cancelled, (await GetAsync<FlowRunDto>($"/api/flow-runs/{run.Id}")).State);
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/deployments/{Guid.NewGuid()}/runs", new { }), HttpStatusCode.NotFound);
    }
}

public sealed class SqliteDeploymentApiTests(ApiFactory factory) : DeploymentApiTests(factory), IClassFixture<ApiFactory>;

public sealed class PostgresDeploymentApiTests(PostgresApiFactory factory) : DeploymentApiTests(factory), IClassFixture<PostgresApiFactory>;
