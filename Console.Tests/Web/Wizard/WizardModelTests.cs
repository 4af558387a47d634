using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.WorkPools;
using Console.Web.Components.Wizard;
using Console.Web.Hosting;
using Console.Worker.Flows;

namespace Console.Tests.Web.Wizard;

/// <summary>The wizard's step logic without a browser: each step's checks, back/next, the request and the previews.</summary>
public sealed class WizardModelTests
{
    private static readonly string Example = Path.Combine(ContentRoot.Find(), "examples", "get-repo-info");

    [Fact]
    public void LoadingTheExampleProjectPicksItsFlowAndPrefillsTheEntrypoint()
    {
        var model = new WizardModel();
        model.LoadProject(FlowProject.Load(Example));

        Assert.True(model.CheckFlow());
        Assert.Equal("get-repo-info", model.FlowName);
        Assert.Equal("get_repo_info.sh", model.Entrypoint);
        Assert.Equal("sh get_repo_info.sh", model.Command);
    }

    [Fact]
    public void AnInvalidNameIsAnErrorOnTheNameWhileTyping()
    {
        var model = Named("Not A Name");

        Assert.Contains("not a valid name", model.NameError, StringComparison.Ordinal);
        Assert.False(model.CheckName());
        model.SetName("good-name");
        Assert.Null(model.NameError);
    }

    [Fact]
    public void ATakenFlowAndNameIsAnErrorOnTheName()
    {
        var model = Named("taken");
        model.SetTakenNames("get-repo-info", ["taken"]);

        Assert.Equal("Deployment 'get-repo-info/taken' already exists.", model.NameError);
    }

    [Fact]
    public void ScheduleErrorsLandOnTheirFieldAndAValidOneHasFiveOccurrences()
    {
        var model = Named("sched");
        model.ScheduleKind = ScheduleKind.Cron;
        model.CronText = "not cron";
        Assert.False(model.CheckSchedule());
        Assert.NotNull(model.CronError);
        Assert.Empty(model.NextOccurrences(DateTime.UtcNow));

        model.CronText = "0 9 * * *";
        model.Timezone = "Nowhere/Atlantis";
        Assert.False(model.CheckSchedule());
        Assert.Null(model.CronError);
        Assert.Contains("Unknown time zone", model.TimezoneError, StringComparison.Ordinal);

        model.Timezone = "UTC";
        Assert.True(model.CheckSchedule());
        var now = new DateTime(2026, 1, 5, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal(
            [new(2026, 1, 6, 9, 0, 0), new(2026, 1, 7, 9, 0, 0), new(2026, 1, 8, 9, 0, 0), new(2026, 1, 9, 9, 0, 0), new(2026, 1, 10, 9, 0, 0)],
            model.NextOccurrences(now).Select(d => DateTime.SpecifyKind(d, DateTimeKind.Unspecified)));

        model.ScheduleKind = ScheduleKind.Interval;
        model.IntervalText = "0";
        Assert.False(model.CheckSchedule());
        Assert.Contains("at least 1 second", model.IntervalError, StringComparison.Ordinal);
    }

    [Fact]
    public void BackAndNextKeepWhatWasEntered()
    {
        var model = Named("kept");
        model.GoTo(WizardStep.Schedule);
        model.ScheduleKind = ScheduleKind.Interval;
        model.IntervalText = "600";

        Assert.True(model.Back());
        Assert.Equal(WizardStep.Name, model.Step);
        model.Advance();

        Assert.Equal(WizardStep.Schedule, model.Step);
        Assert.Equal("kept", model.Name);
        Assert.Equal("600", model.IntervalText);
        Assert.Equal(ScheduleKind.Interval, model.ScheduleKind);
    }

    [Fact]
    public void TheImageStepIsOnlyForDockerPools()
    {
        var model = Named("img");
        model.Pools = [Pool("proc", WorkPoolTypes.Process), Pool("dock", WorkPoolTypes.Docker)];
        model.PoolName = "proc";
        Assert.DoesNotContain(model.Steps, s => s.Step == WizardStep.Image);

        model.PoolName = "dock";
        Assert.Contains(model.Steps, s => s.Step == WizardStep.Image);
    }

    [Fact]
    public void ABuiltImageDefaultsToTheDeploymentsNameAndBecomesTheImageVariable()
    {
        var model = Named("my-first-deployment");
        model.Pools = [Pool("dock", WorkPoolTypes.Docker)];
        model.PoolName = "dock";
        model.EnsureVariablesForm(model.Pool!);
        model.BuildImage = true;
        model.Repository = "127.0.0.1:5000/team";

        Assert.True(model.CheckImage());
        var request = model.ToRequest();

        Assert.Equal("127.0.0.1:5000/team/my-first-deployment:latest", request.JobVariables!["image"]!.GetValue<string>());
        model.Tag = "-bad";
        Assert.False(model.CheckImage());
        Assert.NotNull(model.TagError);
    }

    [Fact]
    public void AProcessPoolsWorkingDirectoryDefaultsToTheProjectFolder()
    {
        var model = Named("wd");
        model.Pools = [Pool("proc", WorkPoolTypes.Process)];
        model.PoolName = "proc";
        model.EnsureVariablesForm(model.Pool!);

        Assert.Equal(model.Project!.Folder, model.ToRequest().JobVariables!["working_dir"]!.GetValue<string>());
    }

    [Fact]
    public void ServerErrorsGoToTheStepAndFieldTheyName()
    {
        var model = Named("dup");
        model.GoTo(WizardStep.Review);

        model.ApplyError(new ConflictException("Deployment 'get-repo-info/dup' already exists."));
        Assert.Equal(WizardStep.Name, model.Step);
        Assert.Equal("Deployment 'get-repo-info/dup' already exists.", model.NameError);

        model.GoTo(WizardStep.Review);
        model.ApplyError(new InvalidRequestException("entrypoint", "An entrypoint is required."));
        Assert.Equal(WizardStep.Entrypoint, model.Step);
        Assert.Equal("An entrypoint is required.", model.EntrypointError);
    }

    [Fact]
    public void TheReviewShowsTheEquivalentCliCommandAndManifestEntry()
    {
        var model = Named("my-deployment");
        model.Pools = [Pool("my-pool", WorkPoolTypes.Process)];
        model.PoolName = "my-pool";
        model.QueueName = "default";
        model.ScheduleKind = ScheduleKind.Cron;
        model.CronText = "0 9 * * 1-5";
        model.Timezone = "Europe/Paris";
        model.EnsureVariablesForm(model.Pool!);

        var cli = WizardPreview.CliCommand(model);
        var yaml = WizardPreview.ManifestSnippet(model);

        Assert.StartsWith(
            "cx --no-prompt deploy -n my-deployment -p my-pool get_repo_info.sh --flow get-repo-info --cron '0 9 * * 1-5' --timezone Europe/Paris",
            cli, StringComparison.Ordinal);
        Assert.Contains($"--job-variable working_dir={model.Project!.Folder}", cli, StringComparison.Ordinal);
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
