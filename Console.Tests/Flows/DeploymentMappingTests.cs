using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Projects.Flows;

namespace Console.Tests.Flows;

public sealed class DeploymentMappingTests : IDisposable
{
    private readonly TempProject _project = new();

    public void Dispose() => _project.Dispose();

    [Fact]
    public void A_manifest_deployment_becomes_the_create_request()
    {
        _project.With("report.sh", "# flow: report\n").Manifest("""
            deployments:
              - name: my-deployment
                flow: report
                description: Reports.
                tags: [a, b]
                parameters: {repo_path: /src, count: 2}
                work_pool:
                  name: my-docker-pool
                  work_queue_name: critical
                  job_variables: {mem_limit: 64m, env: {A: "1"}}
                schedules:
                  - cron: "0 9 * * *"
                    timezone: Europe/Paris
                  - interval: 1h
                    active: false
                paused: true
                concurrency_limit: 1
            """);
        var project = FlowProject.Load(_project.Folder);

        var request = project.ToCreateRequest("my-deployment");

        Assert.Equal("report", request.FlowName);
        Assert.Equal("my-deployment", request.Name);
        Assert.Equal("report.sh", request.Entrypoint);
        Assert.Equal("sh report.sh", request.Command);
        Assert.Equal("my-docker-pool", request.WorkPoolName);
        Assert.Equal("critical", request.WorkQueueName);
        Assert.Equal("Reports.", request.Description);
        Assert.Equal(["a", "b"], request.Tags!);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"repo_path":"/src","count":2}"""), request.Parameters));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"mem_limit":"64m","env":{"A":"1"}}"""), request.JobVariables));
        Assert.Equal(
            [
                new ScheduleDto { Cron = "0 9 * * *", Timezone = "Europe/Paris", Active = true },
                new ScheduleDto { IntervalSeconds = 3600, Active = false },
            ],
            request.Schedules!);
        Assert.True(request.IsPaused);
        Assert.Equal(1, request.ConcurrencyLimit);
    }

    [Fact]
    public void The_deployment_entrypoint_and_command_override_the_flow()
    {
        _project.With("report.sh", "# flow: report\n").With("other.py", "").Manifest("""
            deployments:
              - name: a
                flow: report
                command: sh report.sh --fast
                work_pool: {name: p}
              - name: b
                flow: report
                entrypoint: other.py
                work_pool: {name: p}
            """);
        var project = FlowProject.Load(_project.Folder);

        Assert.Equal(("report.sh", "sh report.sh --fast"), Pair(project.ToCreateRequest("a")));
        Assert.Equal(("other.py", "python other.py"), Pair(project.ToCreateRequest("b")));
    }

    [Fact]
    public void A_build_section_sets_the_image_job_variable_unless_one_is_given()
    {
        _project.With("report.sh", "# flow: report\n").Manifest("""
            deployments:
              - name: built
                work_pool: {name: p}
                build: {repository: 127.0.0.1:5000/team, tag: v2}
              - name: local
                work_pool: {name: p}
                build: {image_name: mine}
              - name: explicit
                work_pool: {name: p, job_variables: {image: "alpine:3"}}
                build: {}
            """);
        var project = FlowProject.Load(_project.Folder);

        Assert.Equal("127.0.0.1:5000/team/built:v2", Image(project.ToCreateRequest("built")));
        Assert.Equal("mine:latest", Image(project.ToCreateRequest("local")));
        Assert.Equal("alpine:3", Image(project.ToCreateRequest("explicit")));
    }

    [Fact]
    public void A_deployment_without_flow_takes_the_only_flow_else_says_which_exist()
    {
        _project.With("a.sh", "# flow: a\n").Manifest("deployments:\n  - name: x\n    work_pool: {name: p}\n");
        Assert.Equal("a", FlowProject.Load(_project.Folder).ToCreateRequest("x").FlowName);

        _project.With("b.sh", "# flow: b\n");
        var error = Assert.Throws<FlowProjectException>(() => FlowProject.Load(_project.Folder).ToCreateRequest("x"));

        Assert.Contains("does not say which flow it runs", error.Message);
        Assert.Contains("a (a.sh), b (b.sh)", error.Message);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void An_unknown_flow_or_a_missing_pool_is_reported_with_the_deployment_line()
    {
        _project.With("a.sh", "# flow: a\n").Manifest("""
            deployments:
              - name: ghost
                flow: nope
                work_pool: {name: p}
              - name: nowhere
                flow: a
            """);
        var project = FlowProject.Load(_project.Folder);

        var unknown = Assert.Throws<FlowProjectException>(() => project.ToCreateRequest("ghost"));
        var poolless = Assert.Throws<FlowProjectException>(() => project.ToCreateRequest("nowhere"));
        var missing = Assert.Throws<FlowProjectException>(() => project.ToCreateRequest("missing"));

        Assert.Contains("runs flow 'nope', which this project does not have (it has a (a.sh))", unknown.Message);
        Assert.Equal(2, unknown.Line);
        Assert.Contains("has no work pool", poolless.Message);
        Assert.Equal(5, poolless.Line);
        Assert.Equal(_project.ManifestPath, poolless.FilePath);
        Assert.Contains("no deployment named 'missing'", missing.Message);
    }

    [Fact]
    public void An_image_docker_would_refuse_is_reported_before_any_build()
    {
        _project.With("a.sh", "# flow: a\n").Manifest("deployments:\n  - name: x\n    work_pool: {name: p}\n    build: {image_name: Bad_Name}\n");

        var error = Assert.Throws<FlowProjectException>(() => FlowProject.Load(_project.Folder).ToCreateRequest("x"));

        Assert.Contains("'Bad_Name' is not a valid image name", error.Message);
    }

    [Fact]
    public void A_wizard_request_saves_as_a_manifest_entry_and_maps_back_to_the_same_request()
    {
        var flow = new DiscoveredFlow("hello-csharp", "hello.cs", "dotnet run hello.cs", FlowSource.Comment);
        var build = new ManifestBuild { ImageName = "hello", Tag = "v1" };
        var request = new CreateDeploymentRequest
        {
            FlowName = "hello-csharp",
            Name = "greet",
            Entrypoint = "hello.cs",
            Command = "dotnet run hello.cs",
            WorkPoolName = "my-docker-pool",
            WorkQueueName = "default",
            JobVariables = new JsonObject { ["image"] = "hello:v1", ["mem_limit"] = "1g" },
            Parameters = new JsonObject { ["name"] = "Grace", ["count"] = 2 },
            Schedules = [new ScheduleDto { IntervalSeconds = 600 }, new ScheduleDto { Cron = "0 0 * * *", Active = false }],
            Tags = ["demo"],
            Description = "Greets.",
        };

        var entry = DeploymentMapping.ToManifest(request, flow, build);
        FlowProject.SaveDeployment(_project.Folder, entry);
        var saved = _project.Read();
        var roundTrip = DeploymentMapping.ToCreateRequest(FlowProject.Load(_project.Folder).FindDeployment("greet")!, flow);

        Assert.DoesNotContain("command:", saved);
        Assert.DoesNotContain("entrypoint:", saved);
        Assert.DoesNotContain("image: hello:v1", saved);
        Assert.Contains("image_name: hello", saved);
        Assert.True(JsonNode.DeepEquals(Json(request), Json(roundTrip)), $"{Json(request)}\n{Json(roundTrip)}");
    }

    [Fact]
    public void Both_examples_map_to_requests_the_api_accepts()
    {
        var tutorial = FlowProject.Load(Repository.Example("get-repo-info")).ToCreateRequest("my-first-deployment");
        var hello = FlowProject.Load(Repository.Example("hello-params"));

        Assert.Equal(("get-repo-info", "get_repo_info.sh", "sh get_repo_info.sh", "my-docker-pool"),
            (tutorial.FlowName, tutorial.Entrypoint, tutorial.Command, tutorial.WorkPoolName));
        Assert.Equal("get-repo-info:latest", Image(tutorial));
        var csharp = hello.ToCreateRequest("hello-csharp");
        Assert.Equal(("hello-csharp", "dotnet run hello.cs", "my-process-pool"), (csharp.FlowName, csharp.Command, csharp.WorkPoolName));
        Assert.Equal(600, hello.ToCreateRequest("every-ten-minutes").Schedules!.Single().IntervalSeconds);
        Assert.Equal("Ada", hello.ToCreateRequest("every-ten-minutes").Parameters!["name"]!.GetValue<string>());
    }

    private static (string?, string?) Pair(CreateDeploymentRequest r) => (r.Entrypoint, r.Command);

    private static string? Image(CreateDeploymentRequest r) => r.JobVariables?["image"]?.GetValue<string>();

    private static JsonNode? Json(CreateDeploymentRequest r) => JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(r));
}
