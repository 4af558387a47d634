using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.WorkPools;
using Console.Tests.Infrastructure;

namespace Console.Tests.Security;

/// <summary>
/// Odd input an attacker would try: duplicate JSON keys, names with a trailing newline, a template
/// pattern that backtracks for minutes, an oversized log level. Each is a 4xx problem and nothing
/// is written; none is a 500 or a pinned core.
/// </summary>
public sealed class OddInputTests(SecureApiFactory factory) : SecurityTestBase(factory), IClassFixture<SecureApiFactory>
{
    [Fact]
    public async Task Duplicate_json_keys_are_400_at_the_top_and_nested_and_nothing_is_written()
    {
        var pool = await CreatePoolAsync();
        var deployment = await CreateDeploymentAsync(pool.Name);
        var before = await RowsAsync();
        var name = Unique("dup");

        var cases = new (string Method, string Path, string Body)[]
        {
            ("POST", "/api/work-pools", """{"name":"NAME","name":"NAME-2","type":"process"}""".Replace("NAME", name, StringComparison.Ordinal)),
            ("POST", "/api/deployments", """{"flowName":"f","name":"d","entrypoint":"x","workPoolName":"POOL","jobVariables":{"image":"a","image":"b"}}"""
                .Replace("POOL", pool.Name, StringComparison.Ordinal)),
            ("PATCH", $"/api/work-pools/{pool.Name}", """{"description":"a","description":"b"}"""),
            ("POST", $"/api/deployments/{deployment.Id}/runs", """{"parameters":{"x":1,"x":2}}"""),
        };
        foreach (var (method, path, body) in cases)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            await AssertProblemAsync(await Client.SendAsync(request), HttpStatusCode.BadRequest);
        }

        Assert.Equal(before, await RowsAsync());
    }

    [Theory]
    [InlineData("pool\n")]
    [InlineData("pool\r\n")]
    [InlineData("\npool")]
    public async Task A_name_with_a_newline_is_400_naming_it_and_nothing_is_written(string name)
    {
        var pool = await CreatePoolAsync();
        var before = await RowsAsync();

        await AssertProblemAsync(await Client.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = name, Type = "process" }),
            HttpStatusCode.BadRequest, "name");
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/queues", new { name }), HttpStatusCode.BadRequest, "name");
        await AssertProblemAsync(await Client.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = "flow", Name = name, Entrypoint = "x", WorkPoolName = pool.Name,
        }), HttpStatusCode.BadRequest, "name");

        Assert.Equal(before, await RowsAsync());
    }

    [Fact]
    public async Task A_catastrophic_template_pattern_is_answered_and_a_pattern_that_does_not_compile_is_refused()
    {
        var template = WorkPoolTypes.DefaultTemplate("docker");
        template["variables"]!["properties"]!["image"]!["pattern"] = "^(a+)+$";
        template["variables"]!["properties"]!["image"]!["default"] = "aaaa";
        var pool = await CreatePoolAsync(template: template);
        var before = await RowsAsync();

        // 48 characters that never match: unbounded, this backtracks for far longer than the test runs.
        var evil = new JsonObject { ["image"] = new string('a', 47) + "!" };
        var answer = await Client.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = "flow", Name = "d", Entrypoint = "x", WorkPoolName = pool.Name, JobVariables = evil,
        }).WaitAsync(TimeSpan.FromSeconds(30));
        var problem = await AssertProblemAsync(answer, HttpStatusCode.UnprocessableEntity, "jobVariables.image");
        Assert.Contains("took longer", problem.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(before, await RowsAsync());

        var broken = WorkPoolTypes.DefaultTemplate("docker");
        broken["variables"]!["properties"]!["image"]!["pattern"] = "((";
        await AssertProblemAsync(await Client.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = Unique("re"), Type = "docker", BaseJobTemplate = broken }),
            HttpStatusCode.BadRequest, "baseJobTemplate.variables.properties.image");

        // Another draft's $schema must not bring back the library's unbounded pattern.
        var drafted = (JsonObject)template.DeepClone();
        drafted["variables"]!["$schema"] = "http://json-schema.org/draft-07/schema#";
        var draftedPool = await CreatePoolAsync(template: drafted);
        var draftAnswer = await Client.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = "flow", Name = "d", Entrypoint = "x", WorkPoolName = draftedPool.Name, JobVariables = evil,
        }).WaitAsync(TimeSpan.FromSeconds(30));
        await AssertProblemAsync(draftAnswer, HttpStatusCode.UnprocessableEntity, "jobVariables.image");
        Assert.Equal(before.Deployments, (await RowsAsync()).Deployments);
    }

    [Fact]
    public async Task An_oversized_or_odd_log_level_is_400_and_nothing_is_written()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        var run = await RunAsync(deployment.Id);
        var before = await RowsAsync();

        foreach (var level in new[] { new string('x', 100_000), "info\n", "<script>" })
        {
            await AssertProblemAsync(await Client.PostJsonAsync($"/api/flow-runs/{run.Id}/logs", new[] { new NewLogLine { Message = "m", Level = level } }),
                HttpStatusCode.BadRequest, "[0].level");
        }

        await AssertProblemAsync(await Client.PostJsonAsync($"/api/flow-runs/{run.Id}/logs", new[] { new NewLogLine { Message = "m", Stream = new string('s', 1000) } }),
            HttpStatusCode.BadRequest, "[0].stream");
        Assert.Equal(before, await RowsAsync());

        Assert.Equal(HttpStatusCode.NoContent, (await Client.PostJsonAsync($"/api/flow-runs/{run.Id}/logs", new[] { new NewLogLine { Message = "m", Level = "Warning" } })).StatusCode);
    }
}
