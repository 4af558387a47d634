using Bunit;
using Console.Contracts;
using Console.Contracts.Deployments;
using Console.Contracts.FlowRuns;
using Console.Contracts.Security;
using Console.Core.Deployments;
using Console.Core.WorkPools;
using Console.Web.Components.Deployments;
using Console.Web.Components.Security;
using Console.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Console.Tests.Web.Components;

/// <summary>The run-policy form (deployment page and wizard) and the new run states' chips.</summary>
public sealed class RunPolicyComponentTests : ComponentTestBase
{
    protected override bool UsesDatabase => true;

    [Theory]
    [InlineData(FlowRunState.AwaitingRetry, "Replay", Color.Warning, "waits for its next attempt")]
    [InlineData(FlowRunState.TimedOut, "TimerOff", Color.Error, "longer than its deployment's timeout")]
    [InlineData(FlowRunState.Skipped, "SkipNext", Color.Secondary, "never started")]
    public void The_new_states_have_their_own_icon_colour_and_reason(FlowRunState state, string icon, Color color, string reason)
    {
        var view = StatusView.Run(state);
        var cut = RenderWithProviders<StatusBadge>(p => p.Add(x => x.Status, view).Add(x => x.TestId, "run-state"));

        var badge = cut.Find("[data-testid=run-state]");
        Assert.Equal(state.ToString(), badge.GetAttribute("data-status"));
        Assert.Contains($"status-{state.ToString().ToLowerInvariant()}", badge.ClassName, StringComparison.Ordinal);
        Assert.Equal(typeof(Icons.Material.Filled).GetField(icon)!.GetValue(null), view.Icon);
        Assert.Equal(color, view.Color);
        Assert.Contains(reason, badge.GetAttribute("data-reason"), StringComparison.Ordinal);
        Assert.NotNull(badge.QuerySelector("svg"));
    }

    [Fact]
    public void Every_run_state_has_an_icon_of_its_own_and_a_reason()
    {
        var views = Enum.GetValues<FlowRunState>().Select(s => StatusView.Run(s)).ToList();

        Assert.All(views, v => Assert.NotEqual(Icons.Material.Filled.Help, v.Icon));
        Assert.All(views, v => Assert.False(string.IsNullOrWhiteSpace(v.Reason), v.Key));
        Assert.Equal(views.Count, views.Select(v => v.Icon).Distinct().Count());
        Assert.All(Enum.GetValues<FlowRunState>().Where(s => s != FlowRunState.Scheduled),
            s => Assert.NotEqual("default", Console.Cli.Output.Formats.StateColor(s)));
    }

    [Fact]
    public void An_untouched_form_shows_the_defaults_and_asks_for_no_policy()
    {
        var model = new RunPoliciesModel();
        var cut = RenderWithProviders<RunPoliciesFields>(p => p.Add(x => x.Model, model));

        Assert.Equal("0", cut.Find("#policy-max-retries").GetAttribute("value"));
        Assert.Equal("10", cut.Find("#policy-retry-delay").GetAttribute("value"));
        Assert.Equal("1", cut.Find("#policy-backoff").GetAttribute("value"));
        Assert.Equal("0", cut.Find("#policy-jitter").GetAttribute("value"));
        Assert.True(cut.Find("#policy-retry-delay").HasAttribute("disabled"));
        Assert.Equal("No limit", cut.Find("#policy-timeout").GetAttribute("placeholder"));
        Assert.Equal("Never skip", cut.Find("#policy-skip-after").GetAttribute("placeholder"));
        foreach (var state in FlowRunStates.Retryable)
        {
            Assert.NotNull(cut.Find($"[data-testid=policy-retry-on-{state.ToString().ToLowerInvariant()}] input").GetAttribute("checked"));
        }

        Assert.True(model.Check());
        var update = model.ToUpdate();
        Assert.Null(update.Retries.Value);
        Assert.Null(update.TimeoutSeconds.Value);
        Assert.Null(update.LatePolicy.Value);
    }

    [Fact]
    public void Typed_values_become_the_policy_and_bad_ones_are_shown_on_their_group()
    {
        var model = new RunPoliciesModel();
        var cut = RenderWithProviders<RunPoliciesFields>(p => p.Add(x => x.Model, model));

        cut.Find("#policy-max-retries").Input("2");
        cut.WaitForAssertion(() => Assert.False(cut.Find("#policy-retry-delay").HasAttribute("disabled")));
        cut.Find("#policy-retry-delay").Input("5");
        cut.Find("#policy-timeout").Input("30");
        cut.Find("#policy-skip-after").Input("120");
        cut.Find("[data-testid=policy-retry-on-crashed] input").Change(false);

        cut.WaitForAssertion(() => Assert.Equal(120, model.SkipAfterSeconds));
        Assert.True(model.Check());
        var retries = model.Retries!;
        Assert.Equal(2, retries.MaxRetries);
        Assert.Equal(5, retries.DelaySeconds);
        Assert.Equal([FlowRunState.Failed, FlowRunState.TimedOut], retries.On);
        Assert.Equal(30, model.ToUpdate().TimeoutSeconds.Value);

        foreach (var state in FlowRunStates.Retryable)
        {
            model.SetRetryOn(state, false);
        }

        model.TimeoutSeconds = 0;
        Assert.False(model.Check());
        cut.Render();
        Assert.Contains("at least one final state", cut.Find("[data-testid=policy-retries-error]").TextContent, StringComparison.Ordinal);
        Assert.Contains("at least 1 second", cut.Find("[data-testid=policy-timeout-error]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_operator_saves_run_policies_on_the_deployment_page()
    {
        var deployment = await DeploymentAsync();
        var cut = RenderPage(deployment.Id, Roles.Operator);
        OpenPoliciesTab(cut);

        cut.Find("#policy-max-retries").Input("3");
        cut.Find("#policy-timeout").Input("45");
        cut.Find("#policies-save").Click();

        var saved = await Wait.ForAsync(async () => await CallAsync((DeploymentService s) => s.GetAsync(deployment.Id)) is { Retries.MaxRetries: 3 } d ? d : null);
        Assert.Equal(45, saved.TimeoutSeconds);
        Assert.Equal(10, saved.Retries!.DelaySeconds);
        Assert.Equal(FlowRunStates.Retryable, saved.Retries.On);
    }

    [Fact]
    public async Task A_viewer_sees_the_policies_but_cannot_change_them()
    {
        var deployment = await DeploymentAsync(timeoutSeconds: 90);
        var cut = RenderPage(deployment.Id, Roles.Viewer);
        OpenPoliciesTab(cut);

        Assert.Equal("90", cut.Find("#policy-timeout").GetAttribute("value"));
        Assert.True(cut.Find("#policy-timeout").HasAttribute("disabled"));
        Assert.True(cut.Find("#policies-save").HasAttribute("disabled"));
        Assert.NotEmpty(cut.FindAll("[data-testid=role-disabled]"));
    }

    private IRenderedComponent<CascadingValue<ConsoleAccess>> RenderPage(Guid id, string role)
    {
        Context.Render<MudPopoverProvider>();
        Context.Render<MudSnackbarProvider>();
        Context.Render<MudDialogProvider>();
        return Context.Render<CascadingValue<ConsoleAccess>>(p => p
            .Add(x => x.Value, new ConsoleAccess(role, Open: false))
            .AddChildContent<DeploymentPage>(c => c.Add(x => x.Id, id)));
    }

    private static void OpenPoliciesTab(IRenderedComponent<CascadingValue<ConsoleAccess>> cut)
    {
        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll(".mud-tab"), t => t.TextContent.Contains("Run policies", StringComparison.Ordinal)));
        cut.FindAll(".mud-tab").First(t => t.TextContent.Contains("Run policies", StringComparison.Ordinal)).Click();
        cut.WaitForAssertion(() => cut.Find("[data-testid=run-policies]"));
    }

    private async Task<DeploymentDto> DeploymentAsync(int? timeoutSeconds = null)
    {
        var pool = "pol-" + Guid.NewGuid().ToString("N")[..8];
        await CallAsync((WorkPoolService s) => s.CreateAsync(new CreateWorkPoolRequest { Name = pool, Type = "process" }));
        return await CallAsync((DeploymentService s) => s.CreateAsync(new CreateDeploymentRequest
        {
            FlowName = "etl",
            Name = "nightly",
            Entrypoint = "flow.sh",
            Command = "sh flow.sh",
            WorkPoolName = pool,
            TimeoutSeconds = timeoutSeconds,
        }));
    }
}
