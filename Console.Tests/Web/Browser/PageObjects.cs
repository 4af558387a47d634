using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests.Web.Browser;

/// <summary>Any console page: navigation that waits until the Blazor circuit is interactive.</summary>
public abstract class ConsolePage(IPage page)
{
    public IPage Page { get; } = page;

    public async Task GotoAsync(string path)
    {
        await Page.GotoAsync(path);
        await WaitInteractiveAsync();
    }

    /// <summary>The layout flags itself once the circuit rendered it: clicks before that could be lost.</summary>
    public Task WaitInteractiveAsync() =>
        Expect(Page.Locator("#console-app")).ToHaveAttributeAsync("data-interactive", "true");

    /// <summary>
    /// After following a link inside the console (not a page load) the focus moves to the new page's
    /// heading (FocusOnNavigate) a moment after the page shows: a key pressed before that lands on the
    /// heading. Keyboard tests wait for it, as a keyboard user sees it.
    /// </summary>
    public Task WaitHeadingFocusedAsync() => Expect(Page.Locator("h1")).ToBeFocusedAsync();

    public async Task MarkDocumentAsync() => await Page.EvaluateAsync("() => { window.__consoleTestMark = 'still-here'; }");

    /// <summary>True while the page was never reloaded since <see cref="MarkDocumentAsync"/>.</summary>
    public async Task<bool> IsSameDocumentAsync() =>
        await Page.EvaluateAsync<string?>("() => window.__consoleTestMark ?? null") == "still-here";

    public Task NavigateByMenuAsync(string id) => Page.Locator($"#nav-{id}").ClickAsync();
}

public sealed class WorkPoolsPage(IPage page) : ConsolePage(page)
{
    public async Task OpenAsync()
    {
        await GotoAsync("/work-pools");
        await WaitLoadedAsync();
    }

    public Task WaitLoadedAsync() =>
        Expect(Page.Locator("[data-testid=pools-table], [data-testid=pools-empty]").First).ToBeVisibleAsync();

    public ILocator Row(string pool) => Page.Locator("tr", new() { Has = Page.Locator($"td[data-pool='{pool}']") });

    /// <summary>The whole create flow: type -> details -> base job template -> Create.</summary>
    public async Task CreatePoolAsync(string name, string type, string? concurrency = null)
    {
        await Page.Locator("#create-pool").ClickAsync();
        await Page.Locator($"#pool-type-{type}").CheckAsync();
        await Page.Locator("#create-pool-next").ClickAsync();
        await Page.Locator("#pool-name").FillAsync(name);
        if (concurrency is not null)
        {
            await Page.Locator("#pool-concurrency").FillAsync(concurrency);
        }

        await Expect(Page.Locator("#create-pool-next")).ToBeEnabledAsync();
        await Page.Locator("#create-pool-next").ClickAsync();
        await Expect(Page.Locator("[data-testid=template-editor]")).ToBeVisibleAsync();
        await Page.Locator("#create-pool-submit").ClickAsync();
        // Blazor navigates inside the page (no load event): wait for the address and the pool's header.
        await Expect(Page).ToHaveURLAsync(new Regex($"/work-pools/{Regex.Escape(name)}$"));
        await Expect(Page.Locator("[data-testid=page-title]")).ToHaveTextAsync(name);
    }
}

public sealed class WorkPoolPage(IPage page) : ConsolePage(page)
{
    public async Task OpenAsync(string pool)
    {
        await GotoAsync($"/work-pools/{pool}");
        await Expect(Page.Locator("[data-testid=pool-tabs]")).ToBeVisibleAsync();
    }

    public Task OpenTabAsync(string name) => Page.GetByRole(AriaRole.Tab, new() { Name = name, Exact = true }).ClickAsync();

    public ILocator QueueRow(string queue) => Page.Locator("tr", new() { Has = Page.Locator($"td[data-queue='{queue}']") });

    public ILocator QueueStatus(string queue) => QueueRow(queue).Locator("[data-testid=queue-status]");

    public Task PauseQueueAsync(string queue) => QueueRow(queue).Locator("[data-testid=queue-pause]").CheckAsync();

    public ILocator WorkerRow(string worker) => Page.Locator("tr", new() { Has = Page.Locator($"td[data-worker='{worker}']") });

    public ILocator WorkerLastPolled(string worker) => WorkerRow(worker).Locator("[data-testid=worker-last-polled]");

    public ILocator StartWorkerCommand => Page.Locator("[data-testid=start-worker-command]");
}

public sealed class FlowRunPage(IPage page) : ConsolePage(page)
{
    public async Task OpenAsync(Guid run)
    {
        await GotoAsync($"/flow-runs/{run}");
        await Expect(Page.Locator("[data-testid=logs]")).ToBeVisibleAsync();
    }

    public ILocator State => Page.Locator(".page-header [data-testid=run-state]");

    public ILocator LogLines => Page.Locator("[data-testid=log-line]");

    public ILocator Timeline => Page.Locator("[data-testid=state-timeline]");
}

public sealed class DeploymentPage(IPage page) : ConsolePage(page)
{
    public async Task OpenAsync(Guid deployment)
    {
        await GotoAsync($"/deployments/{deployment}");
        await Expect(Page.Locator("[data-testid=deployment-tabs]")).ToBeVisibleAsync();
    }

    public async Task OpenRunPoliciesAsync()
    {
        await Page.GetByRole(AriaRole.Tab, new() { Name = "Run policies", Exact = true }).ClickAsync();
        await Expect(Page.Locator("[data-testid=run-policies]")).ToBeVisibleAsync();
    }

    /// <summary>Types into a numeric field of the run-policy form (by its input id) and leaves it, so the value is bound.</summary>
    public async Task SetPolicyAsync(string inputId, string value)
    {
        var input = Page.Locator($"#{inputId}");
        await input.FillAsync(value);
        await input.PressAsync("Tab");
        await Expect(input).ToHaveValueAsync(value);
    }
}
