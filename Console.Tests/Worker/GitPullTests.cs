using System.Net;
using System.Net.Http.Json;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Deployments;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;

namespace Console.Tests.Worker;

/// <summary>
/// Flow code pulled from a real git server on loopback by a real worker, on process and docker
/// pools: the branch head at claim time, a pinned commit, the commit recorded, the mirror reused.
/// </summary>
public sealed class GitPullTests : IClassFixture<ConsoleServer>, IAsyncLifetime
{
    private const string Unread = "the answer of the poll that claimed it never reached the worker.";
    private const string Flow = "echo \"version=$(cat version.txt)\"; pwd\n";
    private readonly ConsoleServer _server;
    private readonly HttpClient _http;
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("console-git-worker-");
    private readonly string _pool = ConsoleApi.UniqueName("git");
    private GitServer _git = null!;

    public GitPullTests(ConsoleServer server)
    {
        _server = server;
        _http = server.CreateHttpClient();
    }

    public async Task InitializeAsync() => _git = await GitServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _git.DisposeAsync();
        _http.Dispose();
        try
        {
            _state.Delete(recursive: true);
        }
        catch (UnauthorizedAccessException)
        {
            // files a container wrote as another user stay in the temp folder
        }
    }

    [Theory]
    [InlineData("process")]
    [InlineData("docker")]
    public async Task A_git_clone_step_runs_the_branch_head_then_the_new_head_and_a_pinned_commit_from_one_mirror(string type)
    {
        var docker = type == "docker";
        if (docker)
        {
            TestEnvironment.RequireDocker();
        }

        var first = await _git.CreateAsync("flows", new Dictionary<string, string> { ["app/flow.sh"] = Flow, ["app/version.txt"] = "1" });
        await _http.CreatePoolAsync(_pool, type);
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, ConsoleApi.UniqueName("w"),
            new Dictionary<string, string?> { ["Worker:StateDirectory"] = _state.FullName });
        var deployment = await CreateAsync(docker, new GitCloneStep { Repository = _git.Url("flows"), Branch = "main", Directory = "app" });
        Assert.Equal(new GitCloneStep { Repository = _git.Url("flows"), Branch = "main", Directory = "app" }, Assert.Single(deployment.PullSteps).GitClone);
        var folder = docker ? "/opt/console/code/app" : null;

        var one = await RunAsync(deployment.Id);
        Assert.Equal(first, one.Run.CodeRevision);
        Assert.Equal("version=1", one.Output[0]);
        Assert.EndsWith(folder ?? "/app", one.Output[1], StringComparison.Ordinal);
        Assert.Contains(one.Worker, l => l.StartsWith("Cloning git://127.0.0.1", StringComparison.Ordinal));

        // A push: the next run takes the new head at claim time, fetched into the same mirror.
        var second = await _git.CommitAsync("flows", new Dictionary<string, string> { ["app/version.txt"] = "2" }, "second");
        var two = await RunAsync(deployment.Id);
        Assert.Equal(second, two.Run.CodeRevision);
        Assert.Equal("version=2", two.Output[0]);
        Assert.Contains(two.Worker, l => l.Contains("reused", StringComparison.Ordinal));
        Assert.DoesNotContain(two.Worker, l => l.StartsWith("Cloning", StringComparison.Ordinal));

        // Pinned to the first commit: already in the mirror, nothing to fetch.
        await PatchAsync(deployment.Id, new GitCloneStep { Repository = _git.Url("flows"), CommitSha = first, Directory = "app" });
        var pinned = await RunAsync(deployment.Id);
        Assert.Equal(first, pinned.Run.CodeRevision);
        Assert.Equal("version=1", pinned.Output[0]);
        Assert.Contains(pinned.Worker, l => l.Contains("nothing to fetch", StringComparison.Ordinal));

        // One mirror for the repository, and no checkout left once the runs have ended.
        var git = Path.Combine(_state.FullName, "git");
        Assert.Single(Directory.GetDirectories(Path.Combine(git, "mirrors")));
        await Wait.UntilAsync(() => Directory.GetDirectories(Path.Combine(git, "checkouts")).Length == 0, "the runs' checkouts to be removed");
    }

    [Fact]
    public async Task A_run_claimed_by_a_poll_whose_answer_the_worker_never_read_is_given_back_and_runs_with_its_pull_steps()
    {
        // The run list a restarted worker's recovery reads carries no pull steps and no secrets:
        // started from it, the flow ran without its code ("cannot open flow.sh").
        await _git.CreateAsync("unread", new Dictionary<string, string> { ["flow.sh"] = Flow, ["version.txt"] = "unread" });
        await _http.CreatePoolAsync(_pool, "process");
        var deployment = await CreateAsync(false, new GitCloneStep { Repository = _git.Url("unread") });
        var run = await _http.CreateRunAsync(deployment.Id);
        var name = ConsoleApi.UniqueName("w");
        Assert.Equal(run.Id, Assert.Single(await _http.ClaimAsync(_pool, name)).Id);

        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, name,
            new Dictionary<string, string?> { ["Worker:StateDirectory"] = _state.FullName });
        var done = await _http.WaitForStateAsync(run.Id, s => s.IsTerminal(), "the run to end");

        var logs = await _http.LogsAsync(run.Id);
        Assert.True(done.State == FlowRunState.Completed, $"{done.State}: {done.StateMessage}\n{string.Join('\n', logs.Select(l => l.Message))}");
        Assert.Contains(logs, l => l.Stream == "stdout" && l.Message == "version=unread");
        var history = await _http.HistoryAsync(run.Id);
        Assert.Equal([FlowRunState.Scheduled, FlowRunState.Pending, FlowRunState.Scheduled, FlowRunState.Pending, FlowRunState.Running, FlowRunState.Completed],
            history.Select(h => h.State));
        Assert.Equal($"Released by worker {name}: {Unread}", history[2].Message);
    }

    [Fact]
    public async Task A_claim_answer_lost_while_the_worker_long_polls_is_given_back_within_two_watchdog_passes()
    {
        // Lost while the worker long-polls, the first watchdog pass cannot tell it from an answer on
        // its way back; the next one (15 s later) gives it back. The run sits in a queue this worker
        // does not poll, so only a claim made in the worker's name (the answer "lost") holds it.
        await _http.CreatePoolAsync(_pool, "process");
        using (var queue = await _http.PostAsJsonAsync($"/api/work-pools/{_pool}/queues", new CreateWorkQueueRequest { Name = "held" }, ConsoleJson.Options))
        {
            Assert.Equal(HttpStatusCode.Created, queue.StatusCode);
        }

        var deployment = await _http.SendAsync<DeploymentDto>(HttpMethod.Post, "/api/deployments",
            Request(false, []) with { WorkQueueName = "held" }, HttpStatusCode.Created);
        var name = ConsoleApi.UniqueName("w");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, name,
            new Dictionary<string, string?> { ["Worker:Queues:0"] = "default" });
        await Wait.UntilAsync(async () => (await _http.WorkersAsync(_pool)).Any(w => w.Name == name), "the worker to poll");

        var run = await _http.CreateRunAsync(deployment.Id);
        Assert.Equal(run.Id, Assert.Single(await _http.PollAsync(_pool, name, 10, 0, queues: ["held"])).Id);
        await _http.WaitForStateAsync(run.Id, s => s != FlowRunState.Pending, "the run to be given back", timeoutSeconds: 45);

        var history = await _http.HistoryAsync(run.Id);
        Assert.Equal([FlowRunState.Scheduled, FlowRunState.Pending, FlowRunState.Scheduled], history.Take(3).Select(h => h.State));
        Assert.Equal($"Released by worker {name}: {Unread}", history[2].Message);
        Assert.DoesNotContain(await _http.LogsAsync(run.Id), l => l.Stream == "worker" && l.Message.StartsWith("Started process", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_docker_run_cannot_write_into_its_read_only_checkout()
    {
        TestEnvironment.RequireDocker();
        await _git.CreateAsync("readonly", new Dictionary<string, string> { ["flow.sh"] = "echo before; echo changed > flow.sh\n" });
        await _http.CreatePoolAsync(_pool, "docker");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, ConsoleApi.UniqueName("w"),
            new Dictionary<string, string?> { ["Worker:StateDirectory"] = _state.FullName });
        var deployment = await CreateAsync(true, new GitCloneStep { Repository = _git.Url("readonly") });

        var run = await _http.CreateRunAsync(deployment.Id);
        var failed = await _http.WaitForStateAsync(run.Id, s => s.IsTerminal(), "the run to end");

        Assert.True(failed.State == FlowRunState.Failed, $"{failed.State}: {failed.StateMessage}");
        var logs = await _http.LogsAsync(run.Id);
        Assert.Contains(logs, l => l.Stream == "stdout" && l.Message == "before");
        Assert.Contains(logs, l => l.Stream == "stderr" && l.Message.Contains("Read-only file system", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_named_branch_or_commit_is_fetched_when_the_remotes_HEAD_points_to_a_branch_never_pushed()
    {
        // A bare repository made with git's old default (HEAD -> master) that only ever got `main` pushed.
        var first = await _git.CreateAsync("dangling", new Dictionary<string, string> { ["flow.sh"] = Flow, ["version.txt"] = "main" });
        await GitServer.GitAsync(Path.Combine(_git.Served, "dangling.git"), "symbolic-ref", "HEAD", "refs/heads/master");
        await _http.CreatePoolAsync(_pool, "process");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, ConsoleApi.UniqueName("w"),
            new Dictionary<string, string?> { ["Worker:StateDirectory"] = _state.FullName });

        var branch = await RunAsync((await CreateAsync(false, new GitCloneStep { Repository = _git.Url("dangling"), Branch = "main" })).Id);
        Assert.Equal(("version=main", first), (branch.Output[0], branch.Run.CodeRevision));
        var second = await _git.CommitAsync("dangling", new Dictionary<string, string> { ["version.txt"] = "pinned" }, "second");
        var pinned = await RunAsync((await CreateAsync(false, new GitCloneStep { Repository = _git.Url("dangling"), CommitSha = second })).Id);
        Assert.Equal(("version=pinned", second), (pinned.Output[0], pinned.Run.CodeRevision));

        // Without a branch the remote's HEAD is what is asked for: git's own refusal, readable.
        var run = await _http.CreateRunAsync((await CreateAsync(false, new GitCloneStep { Repository = _git.Url("dangling") })).Id);
        var crashed = await _http.WaitForStateAsync(run.Id, FlowRunState.Crashed);
        Assert.StartsWith("Could not get the flow's code: git fetch failed:", crashed.StateMessage, StringComparison.Ordinal);
        Assert.Contains("HEAD", crashed.StateMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("process")]
    [InlineData("docker")]
    public async Task A_wrong_repository_ends_the_run_Crashed_with_gits_message(string type)
    {
        var docker = type == "docker";
        if (docker)
        {
            TestEnvironment.RequireDocker();
        }

        await _http.CreatePoolAsync(_pool, type);
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, ConsoleApi.UniqueName("w"));
        var deployment = await CreateAsync(docker, new GitCloneStep { Repository = _git.Url("no-such-repo") });

        var run = await _http.CreateRunAsync(deployment.Id);
        var crashed = await _http.WaitForStateAsync(run.Id, FlowRunState.Crashed);

        Assert.StartsWith("Could not get the flow's code: git fetch failed:", crashed.StateMessage, StringComparison.Ordinal);
        Assert.Contains("no-such-repo", crashed.StateMessage, StringComparison.Ordinal);
        Assert.Null(crashed.CodeRevision);
        Assert.Null(crashed.InfrastructureId);
    }

    [Fact]
    public async Task A_private_repository_over_http_is_cloned_with_the_credentials_secret_and_no_credential_reaches_a_message()
    {
        await _git.CreateAsync("private", new Dictionary<string, string> { ["flow.sh"] = Flow, ["version.txt"] = "private" });
        await using var http = await GitHttpServer.StartAsync(_git.Served, "ci", "s3cret-pw-123");
        var secret = ConsoleApi.UniqueName("git-login");
        var wrong = ConsoleApi.UniqueName("git-wrong");
        await CreateSecretAsync(secret, """{"username": "ci", "password": "s3cret-pw-123"}""");
        await CreateSecretAsync(wrong, "wrong-token-456");
        await _http.CreatePoolAsync(_pool, "process");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, ConsoleApi.UniqueName("w"));

        var ok = await RunAsync((await CreateAsync(false, new GitCloneStep { Repository = http.Url("private"), CredentialsSecret = secret })).Id);
        Assert.Equal("version=private", ok.Output[0]);
        Assert.Matches("^[0-9a-f]{40}$", ok.Run.CodeRevision);

        foreach (var step in new[] { new GitCloneStep { Repository = http.Url("private"), CredentialsSecret = wrong }, new GitCloneStep { Repository = http.Url("private") } })
        {
            var run = await _http.CreateRunAsync((await CreateAsync(false, step)).Id);
            var crashed = await _http.WaitForStateAsync(run.Id, FlowRunState.Crashed);
            Assert.StartsWith("Could not get the flow's code: git fetch failed:", crashed.StateMessage, StringComparison.Ordinal);
            var everything = crashed.StateMessage + string.Join('\n', (await _http.LogsAsync(run.Id)).Select(l => l.Message));
            foreach (var leaked in new[] { "wrong-token-456", Convert.ToBase64String("x-access-token:wrong-token-456"u8), "s3cret-pw-123" })
            {
                Assert.DoesNotContain(leaked, everything, StringComparison.Ordinal);
            }
        }

        Assert.True(http.Refused >= 2, "the server asked the runs without the right credentials for them");

        // A secret that does not exist is refused when the deployment is saved.
        using var missing = await _http.PostAsJsonAsync("/api/deployments",
            Request(false, [new() { GitClone = new() { Repository = http.Url("private"), CredentialsSecret = "no-such-secret" } }]), ConsoleJson.Options);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.StatusCode);
        Assert.Contains("pullSteps.secret.no-such-secret", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_reference_in_a_pull_step_is_substituted_on_the_worker_and_its_value_never_logged()
    {
        var folder = Directory.CreateTempSubdirectory("console-secret-dir-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "flow.sh"), "echo from-the-secret-folder\n");
            var secret = ConsoleApi.UniqueName("code-dir");
            await CreateSecretAsync(secret, folder.FullName);
            await _http.CreatePoolAsync(_pool, "process");
            await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, ConsoleApi.UniqueName("w"));
            var deployment = await _http.SendAsync<DeploymentDto>(HttpMethod.Post, "/api/deployments",
                Request(false, [new() { SetWorkingDirectory = new() { Directory = $"{{{{ secret.{secret} }}}}" } }]), HttpStatusCode.Created);

            var done = await RunAsync(deployment.Id);
            Assert.Equal("from-the-secret-folder", done.Output[0]);
            Assert.Contains("Working directory: ****", done.Worker);
            var logs = await _http.LogsAsync(done.Run.Id);
            Assert.DoesNotContain(logs, l => l.Message.Contains(folder.FullName, StringComparison.Ordinal));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Bad_pull_steps_are_refused_with_422_naming_the_field()
    {
        await _http.CreatePoolAsync(_pool, "process");
        var cases = new (PullStepDto Step, string Field)[]
        {
            (new() { GitClone = new() { Repository = "ext::sh -c touch% /tmp/pwned" } }, "pullSteps[0].gitClone.repository"),
            (new() { GitClone = new() { Repository = "/srv/repos/flows" } }, "pullSteps[0].gitClone.repository"),
            (new() { GitClone = new() { Repository = "https://user:token@example.org/x.git" } }, "pullSteps[0].gitClone.repository"),
            (new() { GitClone = new() { Repository = "--upload-pack=touch /tmp/x" } }, "pullSteps[0].gitClone.repository"),
            (new() { GitClone = new() { Repository = "https://example.org/x.git", Branch = "main..evil" } }, "pullSteps[0].gitClone.branch"),
            (new() { GitClone = new() { Repository = "https://example.org/x.git", CommitSha = "not-a-sha" } }, "pullSteps[0].gitClone.commitSha"),
            (new() { GitClone = new() { Repository = "https://example.org/x.git", Directory = "app/../../etc" } }, "pullSteps[0].gitClone.directory"),
            (new() { GitClone = new() { Repository = "https://example.org/x.git", Directory = "/etc" } }, "pullSteps[0].gitClone.directory"),
            (new() { SetWorkingDirectory = new() { Directory = "" } }, "pullSteps[0].setWorkingDirectory.directory"),
            (new(), "pullSteps[0]"),
        };
        foreach (var (step, field) in cases)
        {
            using var response = await _http.PostAsJsonAsync("/api/deployments", Request(docker: false, [step]), ConsoleJson.Options);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(ConsoleJson.Options);
            Assert.True(problem!["errors"]?[field] is not null, $"{field} in {problem.ToJsonString()}");
        }

        // Normalised on the way in: refs/heads/ dropped, the sha lower-cased, the folder cleaned.
        var saved = await _http.SendAsync<DeploymentDto>(HttpMethod.Post, "/api/deployments", Request(docker: false,
            [new() { GitClone = new() { Repository = " https://example.org/x.git ", Branch = "refs/heads/dev", CommitSha = "ABCDEF1", Directory = "./app//flows/" } }]),
            HttpStatusCode.Created);
        Assert.Equal(new GitCloneStep { Repository = "https://example.org/x.git", Branch = "dev", CommitSha = "abcdef1", Directory = "app/flows" },
            Assert.Single(saved.PullSteps).GitClone);
    }

    private async Task CreateSecretAsync(string name, string value)
    {
        using var response = await _http.PostAsJsonAsync("/api/secrets", new Console.Contracts.Security.CreateSecretRequest { Name = name, Value = value }, ConsoleJson.Options);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private CreateDeploymentRequest Request(bool docker, IReadOnlyList<PullStepDto> steps) => new()
    {
        FlowName = ConsoleApi.UniqueName("flow"),
        Name = "git",
        Entrypoint = "flow.sh",
        Command = "sh flow.sh",
        WorkPoolName = _pool,
        JobVariables = docker ? new() { ["image_pull_policy"] = "Never" } : null,
        PullSteps = steps,
    };

    private Task<DeploymentDto> CreateAsync(bool docker, GitCloneStep clone) =>
        _http.SendAsync<DeploymentDto>(HttpMethod.Post, "/api/deployments", Request(docker, [new() { GitClone = clone }]), HttpStatusCode.Created);

    private Task<DeploymentDto> PatchAsync(Guid id, GitCloneStep clone) =>
        _http.SendAsync<DeploymentDto>(HttpMethod.Patch, $"/api/deployments/{id}", new System.Text.Json.Nodes.JsonObject
        {
            ["pullSteps"] = System.Text.Json.JsonSerializer.SerializeToNode(new[] { new PullStepDto { GitClone = clone } }, ConsoleJson.Options),
        }, HttpStatusCode.OK);

    private async Task<(FlowRunDto Run, IReadOnlyList<string> Output, IReadOnlyList<string> Worker)> RunAsync(Guid deployment)
    {
        var run = await _http.CreateRunAsync(deployment);
        var done = await _http.WaitForStateAsync(run.Id, s => s.IsTerminal(), "the run to end");
        var logs = await _http.LogsAsync(run.Id);
        Assert.True(done.State == FlowRunState.Completed, $"{done.State}: {done.StateMessage}\n{string.Join('\n', logs.Select(l => l.Message))}");
        return (done, [.. logs.Where(l => l.Stream == "stdout").Select(l => l.Message)], [.. logs.Where(l => l.Stream == "worker").Select(l => l.Message)]);
    }
}
