using Bunit;
using Console.Web.Components.Layout;
using Microsoft.AspNetCore.Components;

namespace Console.Tests.Web.Components;

public sealed class LayoutTests : ComponentTestBase
{
    // The layout asks the security gate (through the database) whether the console is open.
    protected override bool UsesDatabase => true;

    [Fact]
    public void The_navigation_has_exactly_the_five_sections()
    {
        var cut = Context.Render<MainLayout>(p => p.Add(x => x.Body, (RenderFragment)(b => b.AddContent(0, "page"))));

        var links = cut.FindAll("nav[aria-label=Main] a");
        Assert.Equal(["Work Pools", "Work Queues", "Workers", "Deployments", "Flow Runs"], links.Select(a => a.TextContent.Trim()));
        Assert.Equal(["/work-pools", "/work-queues", "/workers", "/deployments", "/flow-runs"], links.Select(a => a.GetAttribute("href")));
        // Automations and events sit beside the main navigation, not in it.
        Assert.Equal(["/automations", "/events"], cut.FindAll("nav[aria-label=Automation] a").Select(a => a.GetAttribute("href")));
        // Nothing is loaded from elsewhere: every link stays in the console.
        Assert.All(cut.FindAll("a[href]"), a => Assert.StartsWith("/", a.GetAttribute("href"), StringComparison.Ordinal));
    }

    [Fact]
    public void The_layout_says_when_the_circuit_is_interactive_and_toggles_the_theme()
    {
        var cut = Context.Render<MainLayout>(p => p.Add(x => x.Body, (RenderFragment)(b => b.AddContent(0, "page"))));
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("#console-app").GetAttribute("data-interactive")));

        Assert.Equal("Switch to dark mode", cut.Find("#theme-toggle").GetAttribute("aria-label"));
        cut.Find("#theme-toggle").Click();

        // bUnit's Click only queues the event while the renderer is still busy (here with the after-render
        // work of the render that made the layout interactive), so the new label can come a moment later.
        cut.WaitForAssertion(() => Assert.Equal("Switch to light mode", cut.Find("#theme-toggle").GetAttribute("aria-label")));
        Assert.Contains(Context.JSInterop.Invocations, i => i.Identifier == "consoleUi.setTheme" && (string?)i.Arguments[0] == "dark");
    }
}
