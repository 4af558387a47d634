using System.Text.Json.Nodes;
using Console.Projects.Flows;

namespace Console.Tests.Flows;

public sealed class FlowProjectLoadTests : IDisposable
{
    private readonly TempProject _project = new();

    public void Dispose() => _project.Dispose();

    [Fact]
    public void Load_reads_every_field_of_the_manifest()
    {
        _project.With("flows/report.sh", "echo hi\n").Manifest("""
            name: demo
            flows:
              - name: report
                entrypoint: ./flows/report.sh
                description: Reports.
              - name: nightly
                entrypoint: nightly.py
                command: python3 -u nightly.py --fast
            deployments:
              - name: my-deployment
                flow: report
                entrypoint: flows/report.sh
                command: sh flows/report.sh --verbose
                description: "Runs: the report"
                tags: [team-a, "2025"]
                parameters:
                  repo_path: /src
                  count: 3
                  ratio: 0.5
                  verbose: true
                  quoted: "42"
                  nothing: null
                  nested: {a: [1, two]}
                work_pool:
                  name: my-docker-pool
                  work_queue_name: critical
                  job_variables:
                    image: alpine:3
                    env: {A: "1"}
                    mem_limit: 64m
                schedules:
                  - cron: "0 9 * * 1-5"
                    timezone: Europe/Paris
                  - interval: 15m
                    active: false
                    anchor_date: 2025-01-01T09:00:00Z
                build:
                  dockerfile: auto
                  repository: 127.0.0.1:5000/team
                  image_name: report
                  tag: v1
                  push: true
                  base_image: console-test/busybox:latest
                paused: true
                concurrency_limit: 2
            """);

        var project = FlowProject.Load(_project.Folder);

        Assert.True(project.HasManifest);
        var manifest = project.Manifest;
        Assert.Equal("demo", manifest.Name);
        Assert.Equal(["report", "nightly"], manifest.Flows.Select(f => f.Name));
        Assert.Equal("flows/report.sh", manifest.Flows[0].Entrypoint);
        Assert.Equal("Reports.", manifest.Flows[0].Description);
        Assert.Equal("python3 -u nightly.py --fast", manifest.Flows[1].Command);

        var d = Assert.Single(manifest.Deployments);
        Assert.Equal("my-deployment", d.Name);
        Assert.Equal("report", d.Flow);
        Assert.Equal("sh flows/report.sh --verbose", d.Command);
        Assert.Equal("Runs: the report", d.Description);
        Assert.Equal(["team-a", "2025"], d.Tags);
        Assert.Equal(3, d.Parameters!["count"]!.GetValue<long>());
        Assert.Equal(0.5, d.Parameters["ratio"]!.GetValue<double>());
        Assert.True(d.Parameters["verbose"]!.GetValue<bool>());
        Assert.Equal("42", d.Parameters["quoted"]!.GetValue<string>());
        Assert.True(d.Parameters.ContainsKey("nothing"));
        Assert.Null(d.Parameters["nothing"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":[1,"two"]}"""), d.Parameters["nested"]));
        Assert.Equal("my-docker-pool", d.WorkPool!.Name);
        Assert.Equal("critical", d.WorkPool.WorkQueueName);
        Assert.Equal("alpine:3", d.WorkPool.JobVariables!["image"]!.GetValue<string>());
        Assert.Equal("1", d.WorkPool.JobVariables["env"]!["A"]!.GetValue<string>());
        Assert.Equal(2, d.Schedules.Count);
        Assert.Equal("0 9 * * 1-5", d.Schedules[0].Cron);
        Assert.Equal("Europe/Paris", d.Schedules[0].Timezone);
        Assert.Null(d.Schedules[0].Active);
        Assert.Equal(900, d.Schedules[1].Interval);
        Assert.False(d.Schedules[1].Active);
        Assert.Equal(new DateTime(2025, 1, 1, 9, 0, 0, DateTimeKind.Utc), d.Schedules[1].AnchorDate);
        Assert.Equal(DateTimeKind.Utc, d.Schedules[1].AnchorDate!.Value.Kind);
        Assert.Equal("auto", d.Build!.Dockerfile);
        Assert.Equal("127.0.0.1:5000/team", d.Build.Repository);
        Assert.Equal("report", d.Build.ImageName);
        Assert.Equal("v1", d.Build.Tag);
        Assert.True(d.Build.Push);
        Assert.Equal("console-test/busybox:latest", d.Build.BaseImage);
        Assert.True(d.Paused);
        Assert.Equal(2, d.ConcurrencyLimit);
        Assert.Equal(10, d.Line);
    }

    [Fact]
    public void Load_gives_an_empty_manifest_to_a_folder_without_one()
    {
        var project = FlowProject.Load(_project.Folder);

        Assert.False(project.HasManifest);
        Assert.Empty(project.Manifest.Flows);
        Assert.Empty(project.Manifest.Deployments);
        Assert.Empty(project.Flows);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("flows:\ndeployments:\n")]
    [InlineData("flows: []\ndeployments: []\n")]
    public void Load_accepts_an_empty_manifest(string yaml)
    {
        _project.Manifest(yaml);

        var project = FlowProject.Load(_project.Folder);

        Assert.True(project.HasManifest);
        Assert.Empty(project.Manifest.Deployments);
    }

    [Fact]
    public void Load_of_a_missing_folder_says_which()
    {
        var missing = Path.Combine(_project.Folder, "nope");

        var error = Assert.Throws<DirectoryNotFoundException>(() => FlowProject.Load(missing));

        Assert.Contains(missing, error.Message);
    }

    [Theory]
    [InlineData("flows:\n  - name: a\n    entrypoint: a.sh\n   bad: [\n", 4)]
    [InlineData("deployments:\n  - name: x\n    work_pool: {name: p\n", 3)]
    [InlineData("deployments:\n  - name: 'x\n", 2)]
    [InlineData("deployments:\n  - name: x\n  name: y\n", 3)]
    [InlineData("deployments:\n  - name: x\n    flow: a\n    flow: b\n", 4)]
    public void Malformed_yaml_names_the_file_and_the_line(string yaml, int line)
    {
        _project.Manifest(yaml);

        var error = Assert.Throws<FlowProjectException>(() => FlowProject.Load(_project.Folder));

        Assert.Equal(_project.ManifestPath, error.FilePath);
        Assert.Equal(line, error.Line);
        Assert.StartsWith($"{_project.ManifestPath}, line {line}", error.Message);
        Assert.Contains("not valid YAML", error.Message);
    }

    [Fact]
    public void A_tab_in_the_indentation_is_reported_on_its_own_line()
    {
        _project.Manifest("deployments:\n  - name: x\n\twork_pool: p\n");

        var error = Assert.Throws<FlowProjectException>(() => FlowProject.Load(_project.Folder));

        Assert.Equal(3, error.Line);
        Assert.Contains("tab", error.Message);
    }

    [Fact]
    public void An_unclosed_flow_list_is_reported_with_a_line()
    {
        _project.Manifest("flows: []\ndeployments: [1, 2\nother: 3\n");

        var error = Assert.Throws<FlowProjectException>(() => FlowProject.Load(_project.Folder));

        Assert.Equal((2, 14), (error.Line, error.Column));
        Assert.Contains("not valid YAML: this '[' is never closed", error.Message);
    }

    [Fact]
    public void The_message_shows_the_offending_line_with_a_caret()
    {
        _project.Manifest("deployments:\n  - name: x\n    work_pool: {name: p\n");

        var error = Assert.Throws<FlowProjectException>(() => FlowProject.Load(_project.Folder));

        Assert.Equal($$"""
            {{_project.ManifestPath}}, line 3, column 16: not valid YAML: this '{' is never closed (while parsing a flow mapping, did not find expected ',' or '}'.)
              3 |     work_pool: {name: p
                                 ^
            """, error.Message);
    }

    [Theory]
    [InlineData("deployments:\n  - name: x\n    schedule:\n      - cron: '* * * * *'\n", 3, "unknown key 'schedule'")]
    [InlineData("deployments:\n  - name: My_Deployment\n", 2, "'My_Deployment' is not a valid deployment name")]
    [InlineData("deployments:\n  - flow: a\n", 2, "'name' is missing")]
    [InlineData("deployments:\n  - name: x\n    work_pool:\n      name: Pool!\n", 4, "'Pool!' is not a valid work pool name")]
    [InlineData("deployments:\n  - name: x\n    work_pool:\n      name: p\n      work_queue_name: -q\n", 5, "not a valid work queue name")]
    [InlineData("deployments:\n  - name: x\n    schedules:\n      - cron: not a cron\n", 4, "invalid schedule")]
    [InlineData("deployments:\n  - name: x\n    schedules:\n      - cron: '0 * * * *'\n        interval: 60\n", 4, "invalid schedule")]
    [InlineData("deployments:\n  - name: x\n    schedules:\n      - cron: '0 * * * *'\n        timezone: Mars/Olympus\n", 4, "invalid schedule")]
    [InlineData("deployments:\n  - name: x\n    schedules:\n      - interval: soon\n", 4, "'interval' must be a number of seconds")]
    [InlineData("deployments:\n  - name: x\n    parameters: [1, 2]\n", 3, "'parameters' must be a mapping")]
    [InlineData("deployments:\n  - name: x\n    tags: team\n", 3, "'tags' must be a list")]
    [InlineData("deployments:\n  - name: x\n    build:\n      push: maybe\n", 4, "'push' must be true or false")]
    [InlineData("deployments:\n  - name: x\n    concurrency_limit: -1\n", 3, "'concurrency_limit' must be a whole number")]
    [InlineData("deployments:\n  - name: x\n    command: sh 'unclosed\n", 3, "unclosed")]
    [InlineData("deployments:\n  - name: x\n    entrypoint: ../outside.sh\n", 3, "inside the project folder")]
    [InlineData("deployments:\n  - name: x\n  - name: x\n", 3, "listed twice (first at line 2)")]
    [InlineData("flows:\n  - name: a\n", 2, "needs 'entrypoint'")]
    [InlineData("flows:\n  - a.sh\n", 2, "a flow entry must be a mapping")]
    [InlineData("flows: a.sh\n", 1, "'flows' must be a list")]
    [InlineData("- just\n- a list\n", 1, "must be a mapping")]
    public void A_manifest_of_the_wrong_shape_names_the_line_and_the_problem(string yaml, int line, string problem)
    {
        _project.Manifest(yaml);

        var error = Assert.Throws<FlowProjectException>(() => FlowProject.Load(_project.Folder));

        Assert.Equal(line, error.Line);
        Assert.Contains(problem, error.Reason);
        Assert.StartsWith($"{_project.ManifestPath}, line {line}", error.Message);
    }

    [Fact]
    public void Unknown_top_level_sections_are_allowed_for_anchors_and_tools()
    {
        _project.Manifest("""
            definitions:
              pools:
                docker: &docker
                  name: my-docker-pool
            deployments:
              - name: x
                flow: a
                work_pool: *docker
            """);

        var project = FlowProject.Load(_project.Folder);

        Assert.Equal("my-docker-pool", project.Manifest.Deployments[0].WorkPool!.Name);
    }

    [Theory]
    [InlineData("90", 90)]
    [InlineData("90s", 90)]
    [InlineData("15m", 900)]
    [InlineData("2h", 7200)]
    [InlineData("1d", 86400)]
    public void Intervals_are_seconds_or_a_number_with_a_unit(string interval, int seconds)
    {
        _project.Manifest($"deployments:\n  - name: x\n    schedules:\n      - interval: {interval}\n");

        Assert.Equal(seconds, FlowProject.Load(_project.Folder).Manifest.Deployments[0].Schedules[0].Interval);
    }
}
