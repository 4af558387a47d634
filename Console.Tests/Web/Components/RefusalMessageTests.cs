using Bunit;
using Console.Contracts;
using Console.Contracts.Security;
using Console.Core.Security;
using Console.Core.WorkPools;
using Console.Web.Components.Security;
using Console.Web.Components.WorkPools;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Web.Components;

/// <summary>
/// A write the server refuses reaches the person as the server's words in a snackbar, and the page
/// keeps working: here a page that still offers a viewer the pause switch (its role was lowered
/// after it rendered), over the real services and their database-side role guard.
/// </summary>
public sealed class RefusalMessageTests : ComponentTestBase
{
    private readonly SwitchableActor _actor;

    public RefusalMessageTests()
        : this(new SwitchableActor())
    {
    }

    private RefusalMessageTests(SwitchableActor actor)
        : base(services => services.AddSingleton<IActorAccessor>(actor).AddConsoleSecurityCore())
    {
        _actor = actor;
    }

    protected override bool UsesDatabase => true;

    [Fact]
    public async Task A_refused_pause_is_a_snackbar_with_the_servers_words_and_the_page_keeps_working()
    {
        await CallAsync((WorkPoolService s) => s.CreateAsync(new CreateWorkPoolRequest { Name = "guarded", Type = "process" }));
        Context.Render<MudBlazor.MudPopoverProvider>();
        var snackbars = Context.Render<MudBlazor.MudSnackbarProvider>();
        var page = Context.Render<CascadingValue<ConsoleAccess>>(p => p
            .Add(c => c.Value, new ConsoleAccess(Roles.Operator, Open: false))
            .AddChildContent<WorkPoolsPage>());
        var pause = page.WaitForElement("[data-testid=pool-pause]");
        _actor.Current = new Actor(ActorKind.User, "victor", Roles.Viewer);

        pause.Change(true);

        page.WaitForAssertion(() => Assert.Contains(
            "The role 'viewer' may read but not change work pools.", Messages(snackbars), StringComparison.Ordinal));
        Assert.False((await CallAsync((WorkPoolService s) => s.GetAsync("guarded"))).IsPaused);
        Assert.NotNull(page.Find("[data-testid=pools-table]"));
        // The switch shows the pool as it is (running), not the position the refused click gave it.
        page.WaitForAssertion(() => Assert.False(PauseInput(page.Find("[data-testid=pool-pause]")).HasAttribute("checked"), "the refused switch still shows paused"));

        // Still working: the page follows the next change made elsewhere.
        _actor.Current = Actor.System;
        await CallAsync((WorkPoolService s) => s.SetPausedAsync("guarded", paused: true));
        page.WaitForAssertion(() => Assert.Contains("Paused", page.Find("[data-testid=pool-status]").TextContent, StringComparison.Ordinal));
    }

    /// <summary>The switch's checkbox (MudBlazor puts the test id on the input or on its wrapper).</summary>
    private static AngleSharp.Dom.IElement PauseInput(AngleSharp.Dom.IElement pause) =>
        pause.LocalName == "input" ? pause : pause.QuerySelector("input[type=checkbox]")!;

    private static string Messages(IRenderedComponent<MudBlazor.MudSnackbarProvider> snackbars) =>
        string.Join(" | ", snackbars.FindAll(".mud-snackbar").Select(e => e.TextContent));

    private sealed class SwitchableActor : IActorAccessor
    {
        public Actor Current { get; set; } = Actor.System;
    }
}
