using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Tests.Infrastructure;

namespace Console.Tests.Api;

public abstract class WorkPoolApiTests(ApiFactory factory) : ApiTestBase(factory)
{
    [Fact]
    public async Task Create_returns_the_pool_with_its_location_and_a_default_queue_not_ready()
    {
        var name = Unique("my-docker-pool");
        var response = await Client.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = name, Type = "docker", Description = "tutorial" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/api/work-pools/{name}", response.Headers.Location?.OriginalString);
        var pool = await response.ReadAsync<WorkPoolDto>();
        Assert.Equal("docker", pool.Type);
        Assert.Equal(PoolStatus.NotReady, pool.Status);
        Assert.Equal("default", pool.DefaultQueueName);
        Assert.Equal("{{ image }}", pool.BaseJobTemplate["jobConfiguration"]!["image"]!.GetValue<string>());

        var queues = await GetAsync<List<WorkQueueDto>>($"/api/work-pools/{name}/queues");
        var queue = Assert.Single(queues);
        Assert.Equal(("default", QueueStatus.NotReady), (queue.Name, queue.Status));

        var listed = await GetAsync<List<WorkPoolDto>>("/api/work-pools");
        Assert.Contains(listed, p => p.Name == name);
    }

    [Fact]
    public async Task Types_list_process_and_docker_with_templates()
    {
        var types = await GetAsync<List<WorkPoolTypeDto>>("/api/work-pool-types");
        Assert.Contains(types, t => t.Type == "process");
        var docker = Assert.Single(types, t => t.Type == "docker");
        var variables = docker.BaseJobTemplate["variables"]!["properties"]!.AsObject();
        foreach (var name in new[] { "image", "command", "env", "labels", "volumes", "networks", "network_mode", "mem_limit", "cpus", "auto_remove", "image_pull_policy", "stream_output" })
        {
            Assert.True(variables.ContainsKey(name), name);
        }

        Assert.False(variables.ContainsKey("privileged"));
    }

    [Fact]
    public async Task Duplicate_name_is_409_and_writes_nothing()
    {
        var pool = await CreatePoolAsync();
        var before = await CountRowsAsync();
        var response = await Client.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = pool.Name, Type = "process" });
        await AssertProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Equal(before, await CountRowsAsync());
    }

    [Theory]
    [InlineData("Bad Name", "docker", "name")]
    [InlineData("-leading", "docker", "name")]
    [InlineData("ok-name", "kubernetes-ish", "type")]
    [InlineData("ok-name", null, "type")]
    [InlineData(null, "docker", "name")]
    public async Task Invalid_name_or_type_is_400_on_the_field(string? name, string? type, string field)
    {
        var before = await CountRowsAsync();
        var response = await Client.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = name, Type = type });
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
        Assert.Equal(before, await CountRowsAsync());
    }

    [Fact]
    public async Task A_name_of_64_characters_is_refused()
    {
        var response = await Client.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = new string('a', 64), Type = "docker" });
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "name");
    }

    [Fact]
    public async Task A_template_with_an_undeclared_placeholder_is_400()
    {
        var template = JsonNode.Parse("""
            { "jobConfiguration": { "image": "{{ image }}", "cmd": "{{ nope }}" },
              "variables": { "type": "object", "properties": { "image": { "type": "string" } } } }
            """)!.AsObject();
        var response = await Client.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = Unique("p"), Type = "docker", BaseJobTemplate = template });
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "baseJobTemplate.jobConfiguration");
        Assert.Contains("nope", problem.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_template_whose_default_breaks_its_schema_is_400()
    {
        var template = JsonNode.Parse("""
            { "jobConfiguration": { "cpus": "{{ cpus }}" },
              "variables": { "type": "object", "properties": { "cpus": { "type": "number", "default": "two" } } } }
            """)!.AsObject();
        var response = await Client.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = Unique("p"), Type = "docker", BaseJobTemplate = template });
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "baseJobTemplate.variables.properties.cpus.default");
    }

    [Fact]
    public async Task A_template_with_an_invalid_schema_is_400()
    {
        var template = JsonNode.Parse("""
            { "jobConfiguration": { "x": "{{ x }}" },
              "variables": { "type": "object", "properties": { "x": { "type": 12 } } } }
            """)!.AsObject();
        var response = await Client.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = Unique("p"), Type = "docker", BaseJobTemplate = template });
        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Patch_changes_only_the_fields_sent_and_null_clears_the_limit()
    {
        var pool = await CreatePoolAsync(limit: 4);
        var patched = await (await Client.PatchJsonAsync($"/api/work-pools/{pool.Name}", new { description = "new" })).ReadAsync<WorkPoolDto>();
        Assert.Equal(("new", 4), (patched.Description, patched.ConcurrencyLimit));

        var cleared = await (await Client.PatchAsync($"/api/work-pools/{pool.Name}",
            new StringContent("""{"concurrencyLimit":null}""", Encoding.UTF8, "application/json"))).ReadAsync<WorkPoolDto>();
        Assert.Null(cleared.ConcurrencyLimit);
        Assert.Equal("new", cleared.Description);
    }

    [Fact]
    public async Task Pause_and_resume_change_the_status()
    {
        var pool = await CreatePoolAsync();
        var paused = await (await Client.PostAsync($"/api/work-pools/{pool.Name}/pause", null)).ReadAsync<WorkPoolDto>();
        Assert.Equal((true, PoolStatus.Paused), (paused.IsPaused, paused.Status));
        var resumed = await (await Client.PostAsync($"/api/work-pools/{pool.Name}/resume", null)).ReadAsync<WorkPoolDto>();
        Assert.Equal((false, PoolStatus.NotReady), (resumed.IsPaused, resumed.Status));
    }

    [Fact]
    public async Task Delete_removes_the_pool_and_its_queues()
    {
        var pool = await CreatePoolAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/api/work-pools/{pool.Name}")).StatusCode);
        await AssertProblemAsync(await Client.GetAsync($"/api/work-pools/{pool.Name}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Client.GetAsync($"/api/work-pools/{pool.Name}/queues"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_pool_with_deployments_cannot_be_deleted()
    {
        var pool = await CreatePoolAsync();
        await CreateDeploymentAsync(pool.Name);
        await AssertProblemAsync(await Client.DeleteAsync($"/api/work-pools/{pool.Name}"), HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData("GET", "/api/work-pools/{missing}")]
    [InlineData("PATCH", "/api/work-pools/{missing}")]
    [InlineData("DELETE", "/api/work-pools/{missing}")]
    [InlineData("POST", "/api/work-pools/{missing}/pause")]
    [InlineData("POST", "/api/work-pools/{missing}/resume")]
    [InlineData("GET", "/api/work-pools/{missing}/queues")]
    [InlineData("POST", "/api/work-pools/{missing}/queues")]
    [InlineData("GET", "/api/work-pools/{missing}/workers")]
    [InlineData("POST", "/api/work-pools/{missing}/workers/heartbeat")]
    [InlineData("POST", "/api/work-pools/{missing}/poll")]
    public async Task Unknown_pool_is_404_problem_on_every_endpoint(string method, string template)
    {
        var url = template.Replace("{missing}", Unique("missing"), StringComparison.Ordinal);
        var body = method is "GET" or "DELETE" ? null : JsonContent.Create(new { name = "w1", workerName = "w1" });
        var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url) { Content = body });
        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"name": "x", "type": """)]
    [InlineData("""{"name": 12, "type": "docker"}""")]
    [InlineData("""{"name": "x", "type": "docker", "concurrencyLimit": "many"}""")]
    [InlineData("""[1,2,3]""")]
    [InlineData("""not json at all""")]
    public async Task Malformed_or_ill_typed_json_is_400_and_writes_nothing(string body)
    {
        var before = await CountRowsAsync();
        var response = await Client.PostAsync("/api/work-pools", new StringContent(body, Encoding.UTF8, "application/json"));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(before, await CountRowsAsync());
    }

    [Fact]
    public async Task An_oversized_body_is_413_and_writes_nothing()
    {
        var before = await CountRowsAsync();
        var huge = $$"""{"name":"{{Unique("big")}}","type":"docker","description":"{{new string('x', 2 * 1024 * 1024)}}"}""";
        var response = await Client.PostAsync("/api/work-pools", new StringContent(huge, Encoding.UTF8, "application/json"));
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, await CountRowsAsync());
    }

    [Fact]
    public async Task A_negative_concurrency_limit_is_400()
    {
        var response = await Client.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = Unique("p"), Type = "docker", ConcurrencyLimit = -1 });
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "concurrencyLimit");
    }

    [Fact]
    public async Task Health_and_openapi_answer()
    {
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/healthz")).StatusCode);
        var openApi = await Client.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/work-pools/{pool}/poll", openApi, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/scalar/v1")).StatusCode);
    }
}

public sealed class SqliteWorkPoolApiTests(ApiFactory factory) : WorkPoolApiTests(factory), IClassFixture<ApiFactory>;

public sealed class PostgresWorkPoolApiTests(PostgresApiFactory factory) : WorkPoolApiTests(factory), IClassFixture<PostgresApiFactory>;
