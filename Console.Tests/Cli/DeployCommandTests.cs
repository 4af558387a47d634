using Console.Cli.Hosting;
using Console.Contracts;
using Console.Projects.Flows;
using Console.Projects.Images;
using Console.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Cli;

[Collection(CliCollection.Name)]
public sealed class DeployCommandTests(ConsoleServer server) : IDisposable
{
    private readonly CliHarness _cli = new(server);
    private readonly HttpClient _rest = server.CreateHttpClient();

    [Fact]
    public async Task No_prompt_deploy_with_flags_creates_the_deployment_of_the_discovered_flow()
    {
        var pool = CliHarness.Unique("np-pool");
        await _rest.CreatePoolAsync(pool);
        _cli.WriteFile("flows/hello.sh", "#!/bin/sh\n# flow: hello\necho hello\n");
        _cli.WriteFile("README.md", "not a flow\n");

        var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", "my-deployment", "-p", pool,
            "--interval", "60", "--job-variable", "env={\"A\":\"1\"}", "--param", "n=3", "--param", "who=me");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Deployment 'hello/my-deployment' successfully created", result.Output, StringComparison.Ordinal);
        Assert.Contains("deployment run 'hello/my-deployment'", result.Output, StringComparison.Ordinal);
        Assert.Contains($"worker start --pool {pool}", result.Output, StringComparison.Ordinal);
        var deployment = await _rest.GetJsonAsync<DeploymentDto>("/api/deployments/by-name/hello/my-deployment");
        Assert.Equal("flows/hello.sh", deployment.Entrypoint);
        Assert.Equal("sh flows/hello.sh", deployment.Command);
        Assert.Equal(pool, deployment.WorkPoolName);
        Assert.Equal("1", (string?)deployment.JobVariables["env"]!["A"]);
        Assert.Equal(3, (int?)deployment.Parameters["n"]);
        Assert.Equal("me", (string?)deployment.Parameters["who"]);
        Assert.Equal(60, Assert.Single(deployment.Schedules).IntervalSeconds);
        Assert.False(File.Exists(Path.Combine(_cli.WorkingDirectory, FlowProject.ManifestFileName)));
    }

    [Fact]
    public async Task No_prompt_deploy_with_an_entrypoint_and_cron_and_queue_then_again_updates_it()
    {
        var pool = CliHarness.Unique("ep-pool");
        await _rest.CreatePoolAsync(pool);
        using (var http = server.CreateHttpClient())
        {
            (await http.PostJsonAsync($"/api/work-pools/{pool}/queues", new CreateWorkQueueRequest { Name = "critical" })).EnsureSuccessStatusCode();
        }

        _cli.WriteFile("Report.cs", "// flow: report\nSystem.Console.WriteLine(1);\n");

        var first = await _cli.RunAsync("deploy", "--no-prompt", "Report.cs", "-n", "daily", "-p", pool, "-q", "critical",
            "--cron", "0 6 * * *", "--timezone", "Europe/Paris");
        var second = await _cli.RunAsync("--no-prompt", "deploy", "./Report.cs", "-n", "daily", "-p", pool, "--command", "dotnet run Report.cs -- --fast");

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("successfully updated", second.Output, StringComparison.Ordinal);
        var deployment = await _rest.GetJsonAsync<DeploymentDto>("/api/deployments/by-name/report/daily");
        Assert.Equal("critical", deployment.WorkQueueName);
        Assert.Equal("dotnet run Report.cs -- --fast", deployment.Command);
        Assert.Empty(deployment.Schedules);
    }

    [Fact]
    public async Task Deploying_an_existing_name_to_another_pool_is_refused_before_anything_is_built()
    {
        var first = CliHarness.Unique("first-pool");
        var second = CliHarness.Unique("second-pool");
        await _rest.CreatePoolAsync(first);
        await _rest.CreatePoolAsync(second);
        _cli.WriteFile("flow.sh", "# flow: moved\necho hi\n");
        await _cli.RunAsync("--no-prompt", "deploy", "-n", "mover", "-p", first);

        var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", "mover", "-p", second);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains($"exists on work pool '{first}'", result.Output, StringComparison.Ordinal);
        Assert.Contains("deployment delete 'moved/mover'", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_prompt_deploy_without_name_or_pool_is_a_usage_error()
    {
        _cli.WriteFile("flow.sh", "# flow: lonely\necho hi\n");

        var noName = await _cli.RunAsync("--no-prompt", "deploy", "-p", "whatever");
        var noPool = await _cli.RunAsync("--no-prompt", "deploy", "-n", "x");

        Assert.Equal(ExitCodes.Usage, noName.ExitCode);
        Assert.Contains("--name is required", noName.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, noPool.ExitCode);
        Assert.Contains("--pool is required", noPool.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prompt_setting_0_turns_prompts_off_even_on_an_interactive_console()
    {
        _cli.Environment[CliEnvironment.PromptVariable] = "0";
        _cli.WriteFile("flow.sh", "# flow: quiet\necho hi\n");

        var result = await _cli.RunAsync(CliHarness.NewConsole(interactive: true), "deploy");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--name is required", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Interactive_deploy_asks_the_seed_questions_builds_the_image_and_saves_to_console_yaml()
    {
        var pool = CliHarness.Unique("my-docker-pool");
        await _rest.CreatePoolAsync(pool, "docker");
        var builder = new RecordingImageBuilder();
        _cli.Services = services => services.AddSingleton<IImageBuilder>(builder);
        _cli.WriteFile(FlowProject.ManifestFileName, "# my project\nflows:\n  - name: get_repo_info\n    entrypoint: repo_info.sh\n    command: sh repo_info.sh\n");
        _cli.WriteFile("repo_info.sh", "echo info\n");
        _cli.WriteFile("other.sh", "# flow: other\necho other\n");
        var pools = await _rest.GetJsonAsync<List<WorkPoolDto>>("/api/work-pools");
        var console = CliHarness.NewConsole(interactive: true);
        console.Input.PushKey(ConsoleKey.Enter);                          // the first flow: get_repo_info
        console.Input.PushTextWithEnter("my-first-deployment");           // deployment name
        console.Input.PushTextWithEnter("n");                             // schedule? no
        for (var i = 0; i < pools.FindIndex(p => p.Name == pool); i++)
        {
            console.Input.PushKey(ConsoleKey.DownArrow);                  // the work pool, with arrow keys
        }

        console.Input.PushKey(ConsoleKey.Enter);
        console.Input.PushTextWithEnter("y");                             // build a custom image? yes
        console.Input.PushTextWithEnter("my-user");                       // repository
        console.Input.PushKey(ConsoleKey.Enter);                          // image name: default
        console.Input.PushKey(ConsoleKey.Enter);                          // tag: latest
        console.Input.PushTextWithEnter("n");                             // push? no
        console.Input.PushTextWithEnter("y");                             // save to console.yaml? yes

        var result = await _cli.RunAsync(console, "deploy");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Which work pool would you like to deploy this flow to?", result.Output, StringComparison.Ordinal);
        Assert.Contains("Would you like to build a custom Docker image", result.Output, StringComparison.Ordinal);
        var deployment = await _rest.GetJsonAsync<DeploymentDto>("/api/deployments/by-name/get_repo_info/my-first-deployment");
        Assert.Equal(pool, deployment.WorkPoolName);
        Assert.Equal("my-user/my-first-deployment:latest", (string?)deployment.JobVariables["image"]);
        var request = Assert.Single(builder.Requests);
        Assert.Equal("my-user/my-first-deployment:latest", request.Image.ToString());
        Assert.False(request.Push);
        var yaml = await File.ReadAllTextAsync(Path.Combine(_cli.WorkingDirectory, FlowProject.ManifestFileName));
        Assert.Contains("my-first-deployment", yaml, StringComparison.Ordinal);
        Assert.Contains("image_name: my-first-deployment", yaml, StringComparison.Ordinal);

        var manifest = FlowProject.Load(_cli.WorkingDirectory).Manifest;
        var saved = Assert.Single(manifest.Deployments);
        Assert.Equal(pool, saved.WorkPool!.Name);
        Assert.Equal("my-user", saved.Build!.Repository);

        // The saved deployment deploys again without a question.
        var again = await _cli.RunAsync("--no-prompt", "deploy", "-n", "my-first-deployment");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("successfully updated", again.Output, StringComparison.Ordinal);
        Assert.Equal(2, builder.Requests.Count);
    }

    [Fact]
    public async Task Interactive_deploy_with_a_schedule_on_a_process_pool_asks_no_image_question()
    {
        var pool = CliHarness.Unique("sched-pool");
        await _rest.CreatePoolAsync(pool);
        _cli.WriteFile("only.sh", "# flow: only\necho only\n");
        var console = CliHarness.NewConsole(interactive: true);
        console.Input.PushKey(ConsoleKey.Enter);                          // the only flow
        console.Input.PushTextWithEnter("hourly");                        // deployment name
        console.Input.PushTextWithEnter("y");                             // schedule? yes
        console.Input.PushKey(ConsoleKey.DownArrow);                      // Cron
        console.Input.PushKey(ConsoleKey.Enter);
        console.Input.PushTextWithEnter("0 * * * *");                     // cron string
        console.Input.PushKey(ConsoleKey.Enter);                          // timezone: UTC
        console.Input.PushTextWithEnter("n");                             // save? no

        var result = await _cli.RunAsync(console, "deploy", "-p", pool);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("Docker image", result.Output, StringComparison.Ordinal);
        var deployment = await _rest.GetJsonAsync<DeploymentDto>("/api/deployments/by-name/only/hourly");
        var schedule = Assert.Single(deployment.Schedules);
        Assert.Equal("0 * * * *", schedule.Cron);
        Assert.Equal("UTC", schedule.Timezone);
        Assert.False(File.Exists(Path.Combine(_cli.WorkingDirectory, FlowProject.ManifestFileName)));
    }

    [Fact]
    public async Task Without_a_reachable_docker_engine_the_deploy_records_the_image_and_says_it_was_not_built()
    {
        var pool = CliHarness.Unique("nobuild-pool");
        await _rest.CreatePoolAsync(pool, "docker");
        _cli.Environment[CliEnvironment.DockerHostVariable] = $"unix://{Path.Combine(_cli.WorkingDirectory, "no-docker.sock")}";
        _cli.WriteFile("flow.sh", "# flow: boxed\necho hi\n");
        _cli.WriteFile(FlowProject.ManifestFileName,
            $"deployments:\n  - name: boxed-dep\n    flow: boxed\n    work_pool:\n      name: {pool}\n    build:\n      repository: me\n      tag: v1\n");

        var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", "boxed-dep");

        Assert.True(result.ExitCode == 0, result.ToString());
        var deployment = await _rest.GetJsonAsync<DeploymentDto>("/api/deployments/by-name/boxed/boxed-dep");
        Assert.Equal("me/boxed-dep:v1", (string?)deployment.JobVariables["image"]);
        Assert.Contains("the image was not built", result.Output, StringComparison.Ordinal);
        Assert.Contains("docker build -t me/boxed-dep:v1", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_builds_the_project_image_through_the_docker_engine()
    {
        TestEnvironment.RequireDocker();
        var pool = CliHarness.Unique("build-pool");
        await _rest.CreatePoolAsync(pool, "docker");
        var imageName = CliHarness.Unique("cli-built");
        _cli.WriteFile("Dockerfile", $"FROM {TestEnvironment.TestImage}\nWORKDIR /opt/flow\nCOPY . /opt/flow\n");
        _cli.WriteFile("flow.sh", "# flow: built\necho built\n");
        _cli.WriteFile("obj/ignored.txt", "build output is not sent\n");
        _cli.WriteFile(FlowProject.ManifestFileName,
            $"deployments:\n  - name: built-dep\n    flow: built\n    work_pool:\n      name: {pool}\n    build:\n      dockerfile: Dockerfile\n      image_name: {imageName}\n      tag: t1\n");
        using var docker = new Docker.DotNet.DockerClientConfiguration(new Uri("unix://" + TestEnvironment.DockerSocket)).CreateClient();
        try
        {
            var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", "built-dep");

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains($"Built image {imageName}:t1", result.Output, StringComparison.Ordinal);
            var image = await docker.Images.InspectImageAsync($"{imageName}:t1");
            Assert.Equal("/opt/flow", image.Config.WorkingDir);
            var deployment = await _rest.GetJsonAsync<DeploymentDto>("/api/deployments/by-name/built/built-dep");
            Assert.Equal($"{imageName}:t1", (string?)deployment.JobVariables["image"]);
        }
        finally
        {
            try
            {
                await docker.Images.DeleteImageAsync($"{imageName}:t1", new Docker.DotNet.Models.ImageDeleteParameters { Force = true });
            }
            catch (Docker.DotNet.DockerImageNotFoundException)
            {
                // never built
            }
        }
    }

    public void Dispose()
    {
        _cli.Dispose();
        _rest.Dispose();
    }
}
