using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.WorkPools;
using Console.Web.Components.Wizard;
using Console.Web.Hosting;
using Console.Projects.Flows;
using Console.Tests.Flows;

namespace Console.Tests.Web.Wizard;

/// <summary>The wizard's step logic without a browser: each step's checks, back/next, the request and the previews.</summary>
public sealed class WizardModelTests
{
    private static readonly string Example = Path.Combine(ContentRoot.Find(), "examples", "get-repo-info");

    [Fact]
    public void Loading_the_example_project_picks_its_flow_and_prefills_the_entrypoint()
    {
        var model = new WizardModel();
        model.LoadProject(FlowProject.Load(Example));

        Assert.True(model.FlowStep.Check());
        Assert.Equal("get-repo-info", model.FlowStep.FlowName);
        Assert.Equal("get_repo_info.sh", model.EntrypointStep.Entrypoint);
        Assert.Equal("sh get_repo_info.sh", model.EntrypointStep.Command);
    }

    [Fact]
    public void An_invalid_name_is_an_error_on_the_name_while_typing()
    {
        var model = Named("Not A Name");

        Assert.Contains("not a valid name", model.NameError, StringComparison.Ordinal);
        Assert.False(model.NameStep.Check(model.EffectiveFlowName));
        model.SetName("good-name");
        Assert.Null(model.NameError);
    }

    [Fact]
    public void A_taken_flow_and_name_is_an_error_on_the_name()
    {
        var model = Named("taken");
        model.NameStep.SetTaken("get-repo-info", ["taken"]);

        Assert.Equal("Deployment 'get-repo-info/taken' already exists.", model.NameError);
    }

    [Fact]
    public void Schedule_errors_land_on_their_field_and_a_valid_one_has_five_occurrences()
    {
        var model = Named("sched");
        model.ScheduleStep.Kind = ScheduleKind.Cron;
        model.ScheduleStep.CronText = "not cron";
        Assert.False(model.ScheduleStep.Check());
        Assert.NotNull(model.ScheduleStep.CronError);
        Assert.Empty(model.ScheduleStep.NextOccurrences(DateTime.UtcNow));

        model.ScheduleStep.CronText = "0 9 * * *";
        model.ScheduleStep.Timezone = "Nowhere/Atlantis";
        Assert.False(model.ScheduleStep.Check());
        Assert.Null(model.ScheduleStep.CronError);
        Assert.Contains("Unknown time zone", model.ScheduleStep.TimezoneError, StringComparison.Ordinal);

        model.ScheduleStep.Timezone = "UTC";
        Assert.True(model.ScheduleStep.Check());
        var now = new DateTime(2026, 1, 5, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal(
            [new(2026, 1, 6, 9, 0, 0), new(2026, 1, 7, 9, 0, 0), new(2026, 1, 8, 9, 0, 0), new(2026, 1, 9, 9, 0, 0), new(2026, 1, 10, 9, 0, 0)],
            model.ScheduleStep.NextOccurrences(now).Select(d => DateTime.SpecifyKind(d, DateTimeKind.Unspecified)));

        model.ScheduleStep.Kind = ScheduleKind.Interval;
        model.ScheduleStep.IntervalText = "0";
        Assert.False(model.ScheduleStep.Check());
        Assert.Contains("at least 1 second", model.ScheduleStep.IntervalError, StringComparison.Ordinal);
    }

    [Fact]
    public void Back_and_next_keep_what_was_entered()
    {
        var model = Named("kept");
        model.GoTo(WizardStep.Schedule);
        model.ScheduleStep.Kind = ScheduleKind.Interval;
        model.ScheduleStep.IntervalText = "600";

        Assert.True(model.Back());
        Assert.Equal(WizardStep.Name, model.Step);
        model.Advance();

        Assert.Equal(WizardStep.Schedule, model.Step);
        Assert.Equal("kept", model.Name);
        Assert.Equal("600", model.ScheduleStep.IntervalText);
        Assert.Equal(ScheduleKind.Interval, model.ScheduleStep.Kind);
    }

    [Fact]
    public void The_image_step_is_only_for_Docker_pools()
    {
        var model = Named("img");
        model.PoolStep.Pools = [Pool("proc", WorkPoolTypes.Process), Pool("dock", WorkPoolTypes.Docker)];
        model.PoolStep.PoolName = "proc";
        Assert.DoesNotContain(model.Steps, s => s.Step == WizardStep.Image);

        model.PoolStep.PoolName = "dock";
        Assert.Contains(model.Steps, s => s.Step == WizardStep.Image);
    }

    [Fact]
    public void A_built_image_defaults_to_the_deployments_name_and_becomes_the_image_variable()
    {
        var model = Named("my-first-deployment");
        model.PoolStep.Pools = [Pool("dock", WorkPoolTypes.Docker)];
        model.PoolStep.PoolName = "dock";
        model.EnsureVariablesForm(model.PoolStep.Pool!);
        model.ImageStep.BuildImage = true;
        model.ImageStep.Repository = "127.0.0.1:5000/team";

        Assert.True(model.ImageStep.Check(model.Name));
        var request = model.ToRequest();

        Assert.Equal("127.0.0.1:5000/team/my-first-deployment:latest", request.JobVariables!["image"]!.GetValue<string>());
        model.ImageStep.Tag = "-bad";
        Assert.False(model.ImageStep.Check(model.Name));
        Assert.NotNull(model.ImageStep.TagError);
    }

    [Fact]
    public void A_process_pools_runs_start_in_the_project_folder_as_a_set_working_directory_step()
    {
        var model = Named("wd");
        model.PoolStep.Pools = [Pool("proc", WorkPoolTypes.Process), Pool("dock", WorkPoolTypes.Docker)];
        model.PoolStep.PoolName = "proc";
        model.PrefillCode();
        model.EnsureVariablesForm(model.PoolStep.Pool!);

        var request = model.ToRequest();
        Assert.Equal(model.FlowStep.Project!.Folder, Assert.Single(request.PullSteps!).SetWorkingDirectory!.Directory);
        Assert.True(request.JobVariables?.ContainsKey("working_dir") != true, "the old working_dir job variable is no longer set");
        Assert.Null(model.ToManifest().Pull);

        // A container pool's image holds the code: nothing is prefilled.
        var docker = Named("wd-docker");
        docker.PoolStep.Pools = model.PoolStep.Pools;
        docker.PoolStep.PoolName = "dock";
        docker.PrefillCode();
        Assert.Null(docker.ToRequest().PullSteps);
    }

    [Fact]
    public void A_checkout_remote_is_offered_as_a_git_clone_step_with_a_warning_while_commits_are_unpushed()
    {
        var model = Named("git");
        model.PoolStep.Pools = [Pool("proc", WorkPoolTypes.Process)];
        model.PoolStep.PoolName = "proc";
        model.PrefillCode();
        model.PoolStep.Checkout = new Console.Projects.Git.GitCheckout("https://git.example.org/team/flows.git", "dev", Unpushed: 2, Dirty: false, Subfolder: "etl");
        Assert.True(model.PoolStep.CanOfferClone);
        Assert.Null(model.PoolStep.GitWarning);

        model.PoolStep.UseCheckoutRemote();
        model.PoolStep.GitCredentialsSecret = "git-token";
        Assert.False(model.PoolStep.CanOfferClone);
        Assert.Contains("2 commit(s) the remote does not have", model.PoolStep.GitWarning, StringComparison.Ordinal);
        var step = new Console.Contracts.Deployments.GitCloneStep { Repository = "https://git.example.org/team/flows.git", Branch = "dev", CredentialsSecret = "git-token", Directory = "etl" };
        Assert.Equal(step, Assert.Single(model.ToRequest().PullSteps!).GitClone);
        // A clone is portable: it goes to console.yaml's pull: list.
        Assert.Equal(step, Assert.Single(model.ToManifest().Pull!).GitClone);

        // A remote that is a path on this machine is not offered (workers elsewhere cannot clone it).
        model.PoolStep.Checkout = new Console.Projects.Git.GitCheckout("/srv/git/flows", "main", 0, false, ".");
        Assert.False(model.PoolStep.CanOfferClone);
    }

    [Fact]
    public void A_saved_deployments_pull_steps_fill_the_code_fields_once_and_cleared_fields_stay_cleared()
    {
        using var folder = new TempProject();
        folder.With("report.sh", "echo hi\n").Manifest("""
            flows:
              - name: report
                entrypoint: report.sh
            deployments:
              - name: from-git
                flow: report
                work_pool:
                  name: dock
                pull:
                  - git_clone:
                      repository: https://git.example.org/team/flows.git
                      branch: main
                  - set_working_directory:
                      directory: jobs
              - name: plain
                flow: report
                work_pool:
                  name: dock
            """);
        var project = FlowProject.Load(folder.Folder);
        var model = new WizardModel();
        model.LoadProject(project);
        model.PoolStep.Pools = [Pool("dock", WorkPoolTypes.Docker)];

        model.StartFrom(project.FindDeployment("from-git")!);
        model.PrefillCode(); // the pool is read
        Assert.Equal(("https://git.example.org/team/flows.git", "main", "jobs"), (model.PoolStep.GitRepository, model.PoolStep.GitBranch, model.PoolStep.WorkingDirectory));
        Assert.Equal(project.FindDeployment("from-git")!.Pull, model.ToManifest().Pull); // unchanged, saved as it was

        // The user clears both fields, then picks the pool again: they stay cleared.
        model.PoolStep.GitRepository = model.PoolStep.GitBranch = model.PoolStep.WorkingDirectory = string.Empty;
        model.PrefillCode();
        Assert.Null(model.ToRequest().PullSteps);
        Assert.Null(model.ToManifest().Pull); // and console.yaml's pull: list goes with them

        // Another saved deployment replaces the fields, also with none.
        model.StartFrom(project.FindDeployment("from-git")!);
        model.StartFrom(project.FindDeployment("plain")!);
        model.PrefillCode();
        Assert.Equal((string.Empty, string.Empty), (model.PoolStep.GitRepository, model.PoolStep.WorkingDirectory));
    }

    [Fact]
    public void Server_errors_go_to_the_step_and_field_they_name()
    {
        var model = Named("dup");
        model.GoTo(WizardStep.Review);

        model.ApplyError(new ConflictException("Deployment 'get-repo-info/dup' already exists."));
        Assert.Equal(WizardStep.Name, model.Step);
        Assert.Equal("Deployment 'get-repo-info/dup' already exists.", model.NameError);

        model.GoTo(WizardStep.Review);
        model.ApplyError(new InvalidRequestException("entrypoint", "An entrypoint is required."));
        Assert.Equal(WizardStep.Entrypoint, model.Step);
        Assert.Equal("An entrypoint is required.", model.EntrypointStep.EntrypointError);
    }

    [Fact]
    public void The_review_shows_the_equivalent_CLI_command_and_manifest_entry()
    {
        var model = Named("my-deployment");
        model.PoolStep.Pools = [Pool("my-pool", WorkPoolTypes.Process)];
        model.PoolStep.PoolName = "my-pool";
        model.PoolStep.QueueName = "default";
        model.ScheduleStep.Kind = ScheduleKind.Cron;
        model.ScheduleStep.CronText = "0 9 * * 1-5";
        model.ScheduleStep.Timezone = "Europe/Paris";
        model.EnsureVariablesForm(model.PoolStep.Pool!);

        var cli = WizardPreview.CliCommand(model);
        var yaml = WizardPreview.ManifestSnippet(model);

        Assert.StartsWith(
            "cx --no-prompt deploy -n my-deployment -p my-pool get_repo_info.sh --flow get-repo-info --cron '0 9 * * 1-5' --timezone Europe/Paris",
            cli, StringComparison.Ordinal);
        Assert.DoesNotContain("working_dir", cli, StringComparison.Ordinal);
        Assert.Contains("- name: my-deployment", yaml, StringComparison.Ordinal);
        Assert.Contains("flow: get-repo-info", yaml, StringComparison.Ordinal);
        Assert.Contains("name: my-pool", yaml, StringComparison.Ordinal);
        Assert.Contains("0 9 * * 1-5", yaml, StringComparison.Ordinal);
    }

    private static WizardModel Named(string name)
    {
        var model = new WizardModel();
        model.LoadProject(FlowProject.Load(Example));
        model.SetName(name);
        return model;
    }

    private static WorkPoolDto Pool(string name, string type) => new()
    {
        Name = name,
        Type = type,
        BaseJobTemplate = WorkPoolTypes.DefaultTemplate(type),
    };
}
