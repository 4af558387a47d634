using Console.Contracts.Deployments;
using Console.Contracts.FlowRuns;
using Console.Projects.Flows;

namespace Console.Tests.Flows;

/// <summary>console.yaml's run-policy keys: read, mapped to the REST request, and saved with the comments kept.</summary>
public sealed class RunPolicyManifestTests : IDisposable
{
    private const string Manifest = """
        flows:
          - name: report
            entrypoint: report.sh
        deployments:
          # the nightly one
          - name: nightly
            flow: report
            work_pool:
              name: pool-a
            retries: 2          # short form
            timeout_seconds: 90 # a minute and a half
        """;

    private readonly TempProject _project = new();

    public void Dispose() => _project.Dispose();

    [Fact]
    public void The_short_retries_form_takes_the_contract_defaults()
    {
        _project.With("report.sh", "echo hi\n").Manifest(Manifest);
        var project = FlowProject.Load(_project.Folder);

        var request = project.ToCreateRequest("nightly");

        Assert.Equal(2, request.Retries!.MaxRetries);
        Assert.Equal(10, request.Retries.DelaySeconds);
        Assert.Equal(1, request.Retries.BackoffFactor);
        Assert.Equal(FlowRunStates.Retryable, request.Retries.On);
        Assert.Equal(90, request.TimeoutSeconds);
        Assert.Null(request.LatePolicy);
        Assert.Null(request.CollisionStrategy);
    }

    [Fact]
    public void Saving_changed_policies_writes_only_their_lines_and_keeps_the_comments()
    {
        _project.With("report.sh", "echo hi\n").Manifest(Manifest);
        var project = FlowProject.Load(_project.Folder);
        var deployment = project.FindDeployment("nightly")!.Clone();
        deployment.TimeoutSeconds = 120;
        deployment.LatePolicy = new ManifestLatePolicy { SkipAfterSeconds = 300 };
        deployment.CollisionStrategy = CollisionStrategy.CancelNew;

        project.SaveDeployment(deployment);

        var text = _project.Read();
        Assert.Contains("# the nightly one", text, StringComparison.Ordinal);
        Assert.Contains("retries: 2          # short form", text, StringComparison.Ordinal);
        Assert.Contains("timeout_seconds: 120", text, StringComparison.Ordinal);
        Assert.Contains("collision_strategy: CancelNew", text, StringComparison.Ordinal);
        Assert.Contains("skip_after_seconds: 300", text, StringComparison.Ordinal);
        var again = FlowProject.Load(_project.Folder).ToCreateRequest("nightly");
        Assert.Equal(120, again.TimeoutSeconds);
        Assert.Equal(300, again.LatePolicy!.SkipAfterSeconds);
        Assert.Equal(CollisionStrategy.CancelNew, again.CollisionStrategy);
        Assert.Equal(2, again.Retries!.MaxRetries);
    }

    [Fact]
    public void A_request_with_default_policies_saves_no_policy_keys()
    {
        var entry = DeploymentMapping.ToManifest(new Console.Contracts.CreateDeploymentRequest
        {
            Name = "plain",
            FlowName = "report",
            WorkPoolName = "pool-a",
            Retries = new RetryPolicyDto { MaxRetries = 1 },
            CollisionStrategy = CollisionStrategy.Enqueue,
        });

        Assert.Equal(1, entry.Retries!.MaxRetries);
        Assert.Null(entry.Retries.DelaySeconds);
        Assert.Null(entry.Retries.On);
        Assert.Null(entry.CollisionStrategy);
        Assert.Null(entry.LatePolicy);
    }
}
