using Console.Projects.Flows;

namespace Console.Tests.Flows;

public sealed class FlowDiscoveryTests : IDisposable
{
    private readonly TempProject _project = new();

    public void Dispose() => _project.Dispose();

    [Fact]
    public void Discover_finds_flow_comments_in_shell_csharp_and_sql_files()
    {
        _project
            .With("report.sh", "#!/bin/sh\n# flow: report\necho hi\n")
            .With("hello.cs", "// flow: hello-csharp\nSystem.Console.WriteLine(1);\n")
            .With("jobs/cleanup.sql", "-- flow: cleanup\nDELETE FROM t;\n")
            .With("train.py", "\"\"\"doc\"\"\"\n\n\n\n  #   flow:   train  \n")
            .With("notes.txt", "nothing here\n");

        var flows = FlowProject.Discover(_project.Folder);

        Assert.Equal(
            [
                new DiscoveredFlow("hello-csharp", "hello.cs", "dotnet run hello.cs", FlowSource.Comment),
                new DiscoveredFlow("report", "report.sh", "sh report.sh", FlowSource.Comment),
                new DiscoveredFlow("train", "train.py", "python train.py", FlowSource.Comment),
                new DiscoveredFlow("cleanup", "jobs/cleanup.sql", "psql -f jobs/cleanup.sql", FlowSource.Comment),
            ],
            flows);
    }

    [Fact]
    public void Only_the_first_five_lines_count()
    {
        _project.With("late.sh", "1\n2\n3\n4\n5\n# flow: late\n").With("ok.sh", "1\n2\n3\n4\n# flow: ok\n");

        Assert.Equal(["ok"], FlowProject.Discover(_project.Folder).Select(f => f.Name));
    }

    [Fact]
    public void Build_output_dependencies_and_hidden_folders_are_not_searched()
    {
        _project
            .With("bin/Debug/a.sh", "# flow: in-bin\n")
            .With("obj/b.sh", "# flow: in-obj\n")
            .With(".git/hooks/c.sh", "# flow: in-git\n")
            .With("node_modules/x/d.js", "// flow: in-node-modules\n")
            .With("src/e.sh", "# flow: in-src\n");

        Assert.Equal(["in-src"], FlowProject.Discover(_project.Folder).Select(f => f.Name));
    }

    [Fact]
    public void An_invalid_name_in_a_comment_is_left_out_with_a_warning()
    {
        _project.With("Bad.sh", "# flow: Get_Repo\n").With("good.sh", "# flow: good\n");

        var project = FlowProject.Load(_project.Folder);

        Assert.Equal(["good"], project.Flows.Select(f => f.Name));
        var warning = Assert.Single(project.Warnings);
        Assert.Contains("Bad.sh, line 1", warning);
        Assert.Contains("'Get_Repo' is not a valid flow name", warning);
    }

    [Fact]
    public void The_manifest_flows_come_first_and_a_name_is_listed_once()
    {
        _project
            .With("a.sh", "# flow: a\n")
            .With("b.sh", "# flow: b\n")
            .With("other.sh", "# flow: b\n")
            .Manifest("flows:\n  - name: b\n    entrypoint: b.sh\n    command: bash b.sh\n    description: Flow B.\n");

        var project = FlowProject.Load(_project.Folder);

        Assert.Equal(
            [
                new DiscoveredFlow("b", "b.sh", "bash b.sh", FlowSource.Manifest, "Flow B."),
                new DiscoveredFlow("a", "a.sh", "sh a.sh", FlowSource.Comment),
            ],
            project.Flows);
        Assert.Contains(project.Warnings, w => w.Contains("other.sh declares flow 'b', which is already b.sh"));
    }

    [Fact]
    public void A_manifest_flow_whose_file_is_missing_is_kept_with_a_warning()
    {
        _project.Manifest("flows:\n  - name: gone\n    entrypoint: gone.sh\n");

        var project = FlowProject.Load(_project.Folder);

        Assert.Equal("sh gone.sh", Assert.Single(project.Flows).Command);
        Assert.Contains(project.Warnings, w => w.Contains("console.yaml, line 2") && w.Contains("'gone.sh'"));
    }

    [Theory]
    [InlineData("flow.sh", "sh flow.sh")]
    [InlineData("./sub/flow.sh", "sh sub/flow.sh")]
    [InlineData("sub\\flow.sh", "sh sub/flow.sh")]
    [InlineData("hello.cs", "dotnet run hello.cs")]
    [InlineData("train.py", "python train.py")]
    [InlineData("app.js", "node app.js")]
    [InlineData("my flow.sh", "sh 'my flow.sh'")]
    [InlineData("run", "./run")]
    [InlineData("tools/run", "tools/run")]
    public void The_command_is_inferred_from_the_file_type(string entrypoint, string command)
    {
        Assert.Equal(command, FlowDiscovery.InferCommand(entrypoint));
    }

    [Theory]
    [InlineData("get_repo_info.sh", "get_repo_info")]
    [InlineData("Hello World.cs", "hello-world")]
    [InlineData("__init__.py", "init")]
    [InlineData("!!!.sh", "flow")]
    public void A_name_from_a_file_name_is_a_valid_name(string file, string name)
    {
        Assert.Equal(name, FlowDiscovery.NameFromFile(file));
        Assert.True(Console.Contracts.Common.Names.IsValid(name));
    }

    [Fact]
    public void The_get_repo_info_example_has_its_flow_and_deployment()
    {
        var project = FlowProject.Load(Repository.Example("get-repo-info"));

        Assert.Empty(project.Warnings);
        Assert.Equal([new DiscoveredFlow("get-repo-info", "get_repo_info.sh", "sh get_repo_info.sh", FlowSource.Manifest,
            "Reports the branch, head commit, commit count and file count of a local git repository.")], project.Flows);
        var deployment = Assert.Single(project.Manifest.Deployments);
        Assert.Equal("my-first-deployment", deployment.Name);
        Assert.Equal("my-docker-pool", deployment.WorkPool!.Name);
        Assert.StartsWith("# flow: get-repo-info", File.ReadAllText(Path.Combine(project.Folder, "get_repo_info.sh")));
    }

    [Fact]
    public void The_hello_params_example_finds_the_csharp_flow_by_its_comment()
    {
        var project = FlowProject.Load(Repository.Example("hello-params"));

        Assert.Empty(project.Warnings);
        Assert.Equal(
            [
                new DiscoveredFlow("hello", "hello.sh", "sh hello.sh", FlowSource.Manifest, "Greets `name`, `count` times (busybox sh)."),
                new DiscoveredFlow("hello-csharp", "hello.cs", "dotnet run hello.cs", FlowSource.Comment),
            ],
            project.Flows);
        Assert.Equal(["every-ten-minutes", "hello-csharp"], project.Manifest.Deployments.Select(d => d.Name));
        Assert.Equal(600, project.Manifest.Deployments[0].Schedules.Single().Interval);
    }
}
