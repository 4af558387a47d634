using Console.Contracts.Deployments;
using Console.Projects.Flows;

namespace Console.Tests.Flows;

/// <summary>console.yaml's <c>pull:</c> list: read into pull steps, mapped to the request, and saved back to the same list.</summary>
public sealed class PullManifestTests : IDisposable
{
    private const string Manifest = """
        flows:
          - name: report
            entrypoint: report.sh
        deployments:
          - name: from-git
            flow: report
            work_pool:
              name: pool-a
            pull:
              - git_clone:
                  repository: https://git.example.org/team/flows.git
                  branch: main
                  commit_sha: abcdef1
                  credentials_secret: git-token
                  directory: etl
              - set_working_directory:
                  directory: jobs
        """;

    private static readonly PullStepDto[] Expected =
    [
        new() { GitClone = new() { Repository = "https://git.example.org/team/flows.git", Branch = "main", CommitSha = "abcdef1", CredentialsSecret = "git-token", Directory = "etl" } },
        new() { SetWorkingDirectory = new() { Directory = "jobs" } },
    ];

    private readonly TempProject _project = new();

    public void Dispose() => _project.Dispose();

    [Fact]
    public void A_pull_list_is_read_into_the_request_and_survives_a_save_and_a_reload()
    {
        _project.With("report.sh", "echo hi\n").Manifest(Manifest);
        var project = FlowProject.Load(_project.Folder);
        Assert.Equal(Expected, project.ToCreateRequest("from-git").PullSteps);

        // Saved with another change and read again: the same steps, under the same keys.
        var deployment = project.FindDeployment("from-git")!.Clone();
        deployment.TimeoutSeconds = 60;
        project.SaveDeployment(deployment);
        var text = _project.Read();
        Assert.Contains("git_clone:", text, StringComparison.Ordinal);
        Assert.Contains("credentials_secret: git-token", text, StringComparison.Ordinal);
        Assert.Contains("set_working_directory:", text, StringComparison.Ordinal);
        Assert.Equal(Expected, FlowProject.Load(_project.Folder).ToCreateRequest("from-git").PullSteps);

        // A new deployment written with pull steps reads back the same.
        var written = deployment.Clone();
        written.Name = "written";
        written.Pull = [.. Expected.Reverse()];
        project.SaveDeployment(written);
        Assert.Equal(Expected.Reverse(), FlowProject.Load(_project.Folder).ToCreateRequest("written").PullSteps);
    }
}
