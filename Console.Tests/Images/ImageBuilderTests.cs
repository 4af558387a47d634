using Console.Tests.Flows;
using Console.Tests.Infrastructure;
using Console.Projects.Flows;
using Console.Projects.Images;

namespace Console.Tests.Images;

/// <summary>Image builds against the real Docker engine, from the local busybox image (nothing can be pulled here).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit v2 disposes test classes through IAsyncLifetime.DisposeAsync, not IAsyncDisposable")]
public sealed class ImageBuilderTests : IAsyncLifetime
{
    private readonly DockerKit _docker = new();
    private readonly ImageBuilder _builder;
    private readonly List<ImageBuildLine> _lines = [];
    private readonly TempProject _project = new();

    public ImageBuilderTests()
    {
        _builder = new ImageBuilder(_docker.Client);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _builder.Dispose();
        _project.Dispose();
        await _docker.DisposeAsync();
    }

    [Fact]
    public async Task The_tutorial_project_builds_with_a_generated_dockerfile_and_its_image_runs_the_flow()
    {
        var project = FlowProject.Load(Repository.Example("get-repo-info"));
        var deployment = project.FindDeployment("my-first-deployment")!;
        var request = ImageBuildRequest.For(project, deployment, TestEnvironment.TestImage) with { Image = ImageReference.Parse(_docker.Tag()) };

        var result = await _builder.BuildAsync(request, _lines.Add);

        Assert.Equal(request.Image, result.Image);
        Assert.StartsWith("sha256:", result.ImageId);
        Assert.False(result.Pushed);
        Assert.Contains("FROM console-test/busybox:latest\n", result.GeneratedDockerfile);
        Assert.Contains("Step 1/4 : FROM console-test/busybox:latest", _lines.Select(l => l.Text));
        Assert.Contains("Step 4/4 : CMD [\"sh\",\"get_repo_info.sh\"]", _lines.Select(l => l.Text));
        Assert.Contains($"Successfully tagged {request.Image}", _lines.Select(l => l.Text));
        Assert.All(_lines, l => Assert.DoesNotContain('\n', l.Text));
        Assert.All(_lines, l => Assert.False(l.IsError));

        var inspect = await _docker.Client.Images.InspectImageAsync(request.Image.ToString());
        Assert.Equal(["sh", "get_repo_info.sh"], inspect.Config.Cmd);
        Assert.Equal("/flow", inspect.Config.WorkingDir);

        var (exit, stdout, stderr) = await _docker.RunAsync(request.Image.ToString());
        Assert.True(exit == 0, stderr);
        Assert.Contains("No repo_path parameter: reporting on the flow project itself.", stdout);
        Assert.Contains("Repository facts for /flow", stdout);
        Assert.Contains("git repository: no", stdout);
        Assert.Matches(@"files:\s+4 \(not counting \.git\)", stdout);

        var withParameter = await _docker.RunAsync(request.Image.ToString(), env: new Dictionary<string, string>
        {
            ["CONSOLE_FLOW_RUN_PARAMETERS"] = """{"repo_path": "/bin"}""",
        });
        Assert.Contains("Repository facts for /bin", withParameter.Stdout);
    }

    [Fact]
    public async Task Bin_obj_and_git_folders_stay_out_of_the_image()
    {
        _project.With("flow.sh", "# flow: f\necho from the image\n")
            .With("bin/Debug/app.dll", "x").With("obj/project.assets.json", "{}").With(".git/HEAD", "ref: refs/heads/main\n")
            .With("lib/bin/tool", "x").With("lib/keep.sh", "echo kept\n");
        var image = ImageReference.Parse(_docker.Tag());

        await _builder.BuildAsync(Request(image, "sh flow.sh"), _lines.Add);

        var (exit, stdout, _) = await _docker.RunAsync(image.ToString(), ["sh", "-c", "ls -a /flow /flow/lib; sh flow.sh"]);
        Assert.Equal(0, exit);
        var names = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("flow.sh", names);
        Assert.Contains("keep.sh", names);
        Assert.Contains("Dockerfile", names);
        Assert.DoesNotContain("bin", names);
        Assert.DoesNotContain("obj", names);
        Assert.DoesNotContain(".git", names);
        Assert.Contains("from the image", names);
    }

    [Fact]
    public async Task The_project_s_own_dockerfile_is_used_when_it_has_one()
    {
        _project.With("hello.sh", "echo hello from my own Dockerfile\n")
            .With("Dockerfile", $"FROM {TestEnvironment.TestImage}\nCOPY hello.sh /opt/hello.sh\nCMD [\"sh\", \"/opt/hello.sh\"]\n");
        var image = ImageReference.Parse(_docker.Tag());

        var result = await _builder.BuildAsync(Request(image, "sh something-else.sh"), _lines.Add);

        Assert.Null(result.GeneratedDockerfile);
        Assert.Contains("Step 2/3 : COPY hello.sh /opt/hello.sh", _lines.Select(l => l.Text));
        Assert.Equal("hello from my own Dockerfile\n", (await _docker.RunAsync(image.ToString())).Stdout);
    }

    [Fact]
    public async Task A_dockerfile_elsewhere_in_the_project_can_be_named()
    {
        _project.With("docker/Custom.Dockerfile", $"FROM {TestEnvironment.TestImage}\nCMD [\"echo\", \"custom\"]\n");
        var image = ImageReference.Parse(_docker.Tag());

        var result = await _builder.BuildAsync(Request(image, null) with { Dockerfile = "docker/Custom.Dockerfile" }, _lines.Add);

        Assert.Null(result.GeneratedDockerfile);
        Assert.Equal("custom\n", (await _docker.RunAsync(image.ToString())).Stdout);
    }

    [Fact]
    public async Task A_bad_instruction_fails_the_build_with_the_engine_s_error()
    {
        _project.With("Dockerfile", $"FROM {TestEnvironment.TestImage}\nFROBNICATE /flow\n");
        var image = ImageReference.Parse(_docker.Tag());

        var error = await Assert.ThrowsAsync<ImageBuildException>(() => _builder.BuildAsync(Request(image, null), _lines.Add));

        Assert.Contains("unknown instruction: FROBNICATE", error.EngineError, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith($"Building image {image} failed: ", error.Message);
        Assert.Contains(_lines, l => l.IsError && l.Text == error.EngineError);
        Assert.False(await _docker.ExistsAsync(image.ToString()));
    }

    [Fact]
    public async Task A_failing_step_fails_the_build_with_its_exit_code_and_the_output_before_it()
    {
        _project.With("Dockerfile", $"FROM {TestEnvironment.TestImage}\nRUN echo about to fail && exit 3\n");
        var image = ImageReference.Parse(_docker.Tag());

        var error = await Assert.ThrowsAsync<ImageBuildException>(() => _builder.BuildAsync(Request(image, null), _lines.Add));

        Assert.Contains("returned a non-zero code: 3", error.EngineError);
        Assert.Contains("about to fail", error.Output);
        Assert.Contains("about to fail", _lines.Select(l => l.Text));
        Assert.False(await _docker.ExistsAsync(image.ToString()));
        var leftovers = await _docker.Client.Containers.ListContainersAsync(new Docker.DotNet.Models.ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["status"] = new Dictionary<string, bool> { ["exited"] = true } },
        });
        Assert.DoesNotContain(leftovers, c => c.Command.Contains("about to fail", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_dockerfile_or_folder_is_reported_before_the_engine_is_asked()
    {
        var image = ImageReference.Parse(_docker.Tag());

        var missing = await Assert.ThrowsAsync<ImageBuildException>(() => _builder.BuildAsync(Request(image, null) with { Dockerfile = "nope/Dockerfile" }));
        var outside = await Assert.ThrowsAsync<ImageBuildException>(() => _builder.BuildAsync(Request(image, null) with { Dockerfile = "../Dockerfile" }));
        var folder = await Assert.ThrowsAsync<ImageBuildException>(() => _builder.BuildAsync(Request(image, null) with { ProjectDirectory = "/no/such/project" }));

        Assert.Contains("The Dockerfile 'nope/Dockerfile' does not exist", missing.Message);
        Assert.Contains("must be inside the project folder", outside.Message);
        Assert.Contains("'/no/such/project' does not exist", folder.Message);
    }

    private ImageBuildRequest Request(ImageReference image, string? command) => new()
    {
        ProjectDirectory = _project.Folder,
        Image = image,
        BaseImage = TestEnvironment.TestImage,
        Command = command,
    };
}
