using System.Text.Json.Nodes;
using Console.Projects.Flows;

namespace Console.Tests.Flows;

public sealed class ManifestSaveTests : IDisposable
{
    private const string Commented = """
        # Team manifest: keep the comments!
        name: demo   # the project

        flows:
          - name: report
            entrypoint: report.sh   # the shell one

        # Saved deployments below.
        deployments:
          # the first one
          - name: first
            flow: report
            work_pool:
              name: pool-a
            schedules:
              - cron: "0 9 * * *"   # mornings

          # the second one
          - name: second
            flow: report
            work_pool:
              name: pool-b

        # trailing section
        definitions:
          x: 1
        """;

    private readonly TempProject _project = new();

    public void Dispose() => _project.Dispose();

    [Fact]
    public void Save_creates_the_manifest_when_the_folder_has_none()
    {
        FlowProject.SaveDeployment(_project.Folder, Deployment("my-deployment", "pool-a"), new ManifestFlow { Name = "report", Entrypoint = "report.sh" });

        Assert.Equal("""
            flows:
              - name: report
                entrypoint: report.sh
            deployments:
              - name: my-deployment
                flow: report
                work_pool:
                  name: pool-a

            """, _project.Read());
        var manifest = FlowProject.Load(_project.Folder).Manifest;
        Assert.Equal("report", Assert.Single(manifest.Flows).Name);
        Assert.Equal("my-deployment", Assert.Single(manifest.Deployments).Name);
    }

    [Fact]
    public void Adding_a_deployment_keeps_the_rest_of_the_file_as_written()
    {
        _project.Manifest(Commented);

        FlowProject.SaveDeployment(_project.Folder, Deployment("third", "pool-c"));

        var expected = Commented.Replace("""
                  name: pool-b

            """, """
                  name: pool-b
              - name: third
                flow: report
                work_pool:
                  name: pool-c

            """);
        Assert.Equal(expected, _project.Read());
        Assert.Equal(["first", "second", "third"], FlowProject.Load(_project.Folder).Manifest.Deployments.Select(d => d.Name));
    }

    [Fact]
    public void Replacing_a_deployment_changes_only_the_lines_of_what_changed()
    {
        _project.Manifest(Commented);
        var replacement = Deployment("first", "pool-z");
        replacement.Parameters = new JsonObject { ["repo_path"] = "/src", ["count"] = 2 };
        replacement.Schedules = [new ManifestSchedule { Interval = 60 }];

        FlowProject.SaveDeployment(_project.Folder, replacement);

        var expected = Commented.Replace("""
              - name: first
                flow: report
                work_pool:
                  name: pool-a
                schedules:
                  - cron: "0 9 * * *"   # mornings
            """, """
              - name: first
                flow: report
                work_pool:
                  name: pool-z
                schedules:
                  - interval: 60   # mornings
                parameters:
                  repo_path: /src
                  count: 2
            """);
        Assert.Equal(expected, _project.Read());
    }

    [Fact]
    public void Replacing_the_last_deployment_keeps_the_comments_that_follow_it()
    {
        _project.Manifest(Commented);

        FlowProject.SaveDeployment(_project.Folder, Deployment("second", "pool-y"));

        var text = _project.Read();
        Assert.Equal(Commented.Replace("name: pool-b", "name: pool-y"), text);
    }

    [Fact]
    public void A_deployment_of_another_flow_with_the_same_name_is_added_not_replaced()
    {
        _project.Manifest(Commented);
        var other = Deployment("first", "pool-a");
        other.Flow = "nightly";

        FlowProject.SaveDeployment(_project.Folder, other);

        var deployments = FlowProject.Load(_project.Folder).Manifest.Deployments;
        Assert.Equal(["report/first", "report/second", "nightly/first"], deployments.Select(d => $"{d.Flow}/{d.Name}"));
    }

    [Fact]
    public void A_flow_found_by_its_comment_is_added_to_flows_once()
    {
        _project.Manifest(Commented);
        var flow = new ManifestFlow { Name = "hello", Entrypoint = "hello.cs", Command = "dotnet run hello.cs" };
        Assert.Equal("hello|hello.cs|", Fields(new DiscoveredFlow("hello", "hello.cs", "dotnet run hello.cs", FlowSource.Comment).ToManifestFlow()));
        Assert.Equal("hello|hello.cs|dotnet run -c Release hello.cs", Fields(new DiscoveredFlow("hello", "hello.cs", "dotnet run -c Release hello.cs", FlowSource.Comment).ToManifestFlow()));
        var deployment = Deployment("greet", "pool-a");
        deployment.Flow = "hello";

        FlowProject.SaveDeployment(_project.Folder, deployment, flow);
        FlowProject.SaveDeployment(_project.Folder, deployment, flow);

        var text = _project.Read();
        Assert.Contains("""
                entrypoint: report.sh   # the shell one
              - name: hello
                entrypoint: hello.cs
                command: dotnet run hello.cs

            # Saved deployments below.
            """, text);
        var manifest = FlowProject.Load(_project.Folder).Manifest;
        Assert.Equal(["report", "hello"], manifest.Flows.Select(f => f.Name));
        Assert.Equal(["first", "second", "greet"], manifest.Deployments.Select(d => d.Name));
    }

    [Theory]
    [InlineData("name: demo\ndeployments:\nother: 1\n", "name: demo\ndeployments:\n  - name: x\n    work_pool:\n      name: p\nother: 1\n")]
    [InlineData("name: demo\ndeployments: []  # none yet\n", "name: demo\ndeployments:\n  - name: x\n    work_pool:\n      name: p  # none yet\n")]
    [InlineData("name: demo\n", "name: demo\ndeployments:\n  - name: x\n    work_pool:\n      name: p\n")]
    [InlineData("name: demo", "name: demo\ndeployments:\n  - name: x\n    work_pool:\n      name: p\n")]
    [InlineData("# just a comment\n", "# just a comment\ndeployments:\n  - name: x\n    work_pool:\n      name: p\n")]
    [InlineData("deployments:\n- name: y\n  flow: f\n", "deployments:\n- name: y\n  flow: f\n- name: x\n  work_pool:\n    name: p\n")]
    public void Save_fits_the_layout_it_finds(string before, string after)
    {
        _project.Manifest(before);
        var deployment = Deployment("x", "p");
        deployment.Flow = null;

        FlowProject.SaveDeployment(_project.Folder, deployment);

        Assert.Equal(after, _project.Read());
    }

    [Fact]
    public void A_flow_style_list_is_written_again_as_a_block_list()
    {
        _project.Manifest("deployments: [{name: y, flow: f}]\nlast: 1\n");

        FlowProject.SaveDeployment(_project.Folder, Deployment("x", "p"));

        var manifest = FlowProject.Load(_project.Folder);
        Assert.Equal(["y", "x"], manifest.Manifest.Deployments.Select(d => d.Name));
        Assert.EndsWith("last: 1\n", _project.Read());
    }

    [Fact]
    public void A_flow_style_document_is_rewritten_whole()
    {
        _project.Manifest("{name: demo, deployments: [{name: y, flow: f}]}\n");

        FlowProject.SaveDeployment(_project.Folder, Deployment("x", "p"));

        var manifest = FlowProject.Load(_project.Folder).Manifest;
        Assert.Equal("demo", manifest.Name);
        Assert.Equal(["y", "x"], manifest.Deployments.Select(d => d.Name));
    }

    [Fact]
    public void Windows_line_endings_are_kept()
    {
        _project.Manifest("name: demo\r\ndeployments:\r\n  - name: y\r\n    flow: report\r\n");

        FlowProject.SaveDeployment(_project.Folder, Deployment("x", "p"));

        var text = _project.Read();
        Assert.DoesNotContain("\n", text.Replace("\r\n", string.Empty));
        Assert.Equal(["y", "x"], FlowProject.Load(_project.Folder).Manifest.Deployments.Select(d => d.Name));
    }

    [Fact]
    public void Every_field_survives_a_save_and_a_load()
    {
        var deployment = new ManifestDeployment
        {
            Name = "everything",
            Flow = "report",
            Entrypoint = "flows/report.sh",
            Command = "sh flows/report.sh --say \"hi there\"",
            Description = "Line one: with a colon\nLine two",
            Tags = ["a", "true", "123", ""],
            Parameters = new JsonObject
            {
                ["s"] = "text",
                ["number_like"] = "0123",
                ["bool_like"] = "yes",
                ["null_like"] = "null",
                ["n"] = 42,
                ["f"] = 1.5,
                ["b"] = false,
                ["none"] = null,
                ["list"] = new JsonArray(1, "two", new JsonObject { ["three"] = 3 }),
                ["cron_like"] = "*/5 * * * *",
            },
            WorkPool = new ManifestWorkPool
            {
                Name = "pool",
                WorkQueueName = "critical",
                JobVariables = new JsonObject { ["env"] = new JsonObject { ["A"] = "1" }, ["cpus"] = 0.5 },
            },
            Schedules =
            [
                new ManifestSchedule { Cron = "*/5 * * * *", Timezone = "Europe/Paris" },
                new ManifestSchedule { Interval = 3600, Active = false, AnchorDate = new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc) },
            ],
            Build = new ManifestBuild { Dockerfile = "docker/Dockerfile", Repository = "127.0.0.1:5000/team", ImageName = "report", Tag = "v1.2", Push = true, BaseImage = "console-test/busybox:latest" },
            Paused = true,
            ConcurrencyLimit = 3,
        };

        FlowProject.SaveDeployment(_project.Folder, deployment);
        var read = FlowProject.Load(_project.Folder).Manifest.Deployments.Single();

        Assert.Equal(Yaml(deployment), Yaml(read));
        Assert.Equal("0123", read.Parameters!["number_like"]!.GetValue<string>());
        Assert.Equal("yes", read.Parameters["bool_like"]!.GetValue<string>());
        Assert.Equal("null", read.Parameters["null_like"]!.GetValue<string>());
        Assert.Equal(["a", "true", "123", ""], read.Tags);
        Assert.Equal("Line one: with a colon\nLine two", read.Description);
        Assert.Equal(3600, read.Schedules[1].Interval);
        Assert.Equal(deployment.Schedules[1].AnchorDate, read.Schedules[1].AnchorDate);
    }

    [Fact]
    public void Saving_an_invalid_deployment_is_refused_and_the_file_untouched()
    {
        _project.Manifest(Commented);

        var error = Assert.Throws<FlowProjectException>(() => FlowProject.SaveDeployment(_project.Folder, Deployment("Not Valid", "p")));

        Assert.Contains("'Not Valid' is not a valid deployment name", error.Message);
        Assert.Equal(Commented, _project.Read());
    }

    [Fact]
    public void Saving_into_a_broken_manifest_is_refused_with_its_line()
    {
        _project.Manifest("deployments:\n  - name: x\n    work_pool: {name: p\n");

        var error = Assert.Throws<FlowProjectException>(() => FlowProject.SaveDeployment(_project.Folder, Deployment("y", "p")));

        Assert.Equal(3, error.Line);
    }

    private static string Fields(ManifestFlow flow) => $"{flow.Name}|{flow.Entrypoint}|{flow.Command}";

    private static ManifestDeployment Deployment(string name, string pool) => new()
    {
        Name = name,
        Flow = "report",
        WorkPool = new ManifestWorkPool { Name = pool },
    };

    private static string Yaml(ManifestDeployment deployment)
    {
        var line = deployment.Line;
        deployment.Line = null;
        var json = System.Text.Json.JsonSerializer.Serialize(deployment);
        deployment.Line = line;
        return json;
    }
}
