using System.Text.RegularExpressions;
using Console.Core.Deployments;
using Console.Core.FlowRuns;
using Console.Tests.Web.Browser;
using Console.Tests.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests.Web.Wizard;

/// <summary>The deployment wizard in Debian Chromium against a real server, from the first step to a run.</summary>
public sealed class WizardBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private IPage _page = default!;

    public async Task InitializeAsync() => _page = await browser.NewPageAsync();

    public async Task DisposeAsync() => await _page.Context.DisposeAsync();

    [Fact]
    public async Task The_wizard_creates_a_deployment_on_a_process_pool_and_runs_it()
    {
        var name = ConsoleApi.UniqueName("wizard");
        var pool = ConsoleApi.UniqueName("wizard-pool");
        var wizard = new WizardPage(_page);
        await wizard.OpenAsync();

        // Flow: the repository's example project is the default, its flow listed and picked.
        await Expect(_page.Locator("#wizard-project-path")).ToHaveValueAsync(new Regex("examples/get-repo-info$"));
        await Expect(_page.Locator("#wizard-flow-get-repo-info")).ToBeCheckedAsync();
        await wizard.NextAsync("entrypoint");
        await Expect(_page.Locator("#wizard-entrypoint")).ToHaveValueAsync("get_repo_info.sh");
        await Expect(_page.Locator("#wizard-command")).ToHaveValueAsync("sh get_repo_info.sh");
        await wizard.NextAsync("name");

        // An invalid name is an error on the field, and Next stays on the step.
        var nameField = _page.Locator("[data-testid=wizard-name-field]");
        await _page.Locator("#wizard-name").FillAsync("Not Valid!");
        await Expect(nameField).ToContainTextAsync("is not a valid name");
        await _page.Locator("#wizard-next").ClickAsync();
        await wizard.ExpectStepAsync("name");
        await _page.Locator("#wizard-name").FillAsync(name);
        await Expect(nameField).Not.ToContainTextAsync("is not a valid name");
        await wizard.NextAsync("schedule");

        await _page.Locator("#wizard-schedule-interval").CheckAsync();
        await _page.Locator("#wizard-interval").FillAsync("600");
        await Expect(_page.Locator("[data-testid=wizard-occurrences] li")).ToHaveCountAsync(5);

        // Back and forward again: nothing entered is lost.
        await wizard.BackAsync("name");
        await Expect(_page.Locator("#wizard-name")).ToHaveValueAsync(name);
        await wizard.NextAsync("schedule");
        await Expect(_page.Locator("#wizard-schedule-interval")).ToBeCheckedAsync();
        await Expect(_page.Locator("#wizard-interval")).ToHaveValueAsync("600");
        await wizard.NextAsync("pool");

        // A new process pool, created inline.
        await _page.Locator("#wizard-pool-new").CheckAsync();
        await _page.Locator("#wizard-new-pool-name").FillAsync(pool);
        await _page.Locator("#wizard-new-pool-type-process").CheckAsync();
        await _page.Locator("#wizard-new-pool-create").ClickAsync();
        await Expect(_page.Locator("#wizard-pool-existing")).ToBeCheckedAsync();
        // A process pool starts in the project folder (a setWorkingDirectory pull step), as cx deploy records it.
        await Expect(_page.Locator("#wizard-working-directory")).ToHaveValueAsync(new Regex("examples/get-repo-info$"));
        await wizard.NextAsync("variables");
        await Expect(_page.Locator("[data-testid=wizard-variables]")).ToBeVisibleAsync();

        // Process pools have no image step: straight to the review.
        await wizard.NextAsync("review");
        await Expect(_page.Locator("[data-testid=wizard-cli]")).ToContainTextAsync(
            $"cx --no-prompt deploy -n {name} -p {pool} get_repo_info.sh --flow get-repo-info --interval 600");
        await Expect(_page.Locator("[data-testid=wizard-yaml]")).ToContainTextAsync($"name: {name}");

        // Preflight in the review: every check with its verdict (no worker serves the new pool yet) and the rendered job.
        var preflight = _page.Locator("[data-testid=wizard-preflight]");
        await Expect(preflight.Locator("[data-testid=preflight-check]")).ToHaveCountAsync(7);
        await Expect(preflight.Locator("[data-check=worker]")).ToHaveAttributeAsync("data-ok", "false");
        await Expect(preflight.Locator("[data-check=worker]")).ToContainTextAsync($"No online worker serves queue 'default' of pool '{pool}'");
        await Expect(preflight.Locator("[data-check=variables]")).ToHaveAttributeAsync("data-ok", "true");
        await Expect(preflight.Locator("[data-check=pool]")).ToHaveAttributeAsync("data-ok", "true");
        await Expect(_page.Locator("[data-testid=wizard-preflight-job]")).ToContainTextAsync("\"command\": \"sh get_repo_info.sh\"");

        await _page.Locator("#wizard-create").ClickAsync();
        var created = _page.Locator("[data-testid=wizard-created]");
        await Expect(created).ToBeVisibleAsync();
        await using (var scope = browser.Server.Services.CreateAsyncScope())
        {
            var deployment = await scope.ServiceProvider.GetRequiredService<DeploymentService>().GetByNameAsync("get-repo-info", name);
            Assert.Equal(pool, deployment.WorkPoolName);
            Assert.Equal(600, Assert.Single(deployment.Schedules).IntervalSeconds);
            Assert.Equal("sh get_repo_info.sh", deployment.Command);
        }

        // A real worker for the new pool: the run goes all the way, and the run page follows it live.
        await using var worker = await WorkerHost.StartAsync(browser.Server.BaseUrl, pool, ConsoleApi.UniqueName("wizard-worker"));
        await _page.Locator("#wizard-run-now").ClickAsync();
        // Run now opens the new run's page.
        await Expect(_page).ToHaveURLAsync(new Regex("/flow-runs/[0-9a-f-]{36}$"));
        var runId = Guid.Parse(_page.Url[(_page.Url.LastIndexOf('/') + 1)..]);
        await using (var scope = browser.Server.Services.CreateAsyncScope())
        {
            var run = await scope.ServiceProvider.GetRequiredService<FlowRunService>().GetAsync(runId);
            Assert.Equal(name, run.DeploymentName);
        }

        var runPage = new FlowRunPage(_page);
        await Expect(runPage.State).ToHaveAttributeAsync("data-status", "Completed", new() { Timeout = 60_000 });
        await Expect(runPage.LogLines.Filter(new() { HasText = "Repository facts for " })).ToHaveCountAsync(1);
        await Expect(runPage.Timeline.Locator("[data-state=Completed]")).ToHaveCountAsync(1);

        // With the worker online, the deployment page's check passes.
        using var rest = browser.Server.CreateHttpClient();
        var saved = await rest.GetJsonAsync<Console.Contracts.DeploymentDto>($"/api/deployments/by-name/get-repo-info/{name}");
        await new WorkPoolsPage(_page).GotoAsync($"/deployments/{saved.Id}");
        await _page.GetByRole(AriaRole.Tab, new() { Name = "Details" }).ClickAsync();
        await _page.Locator("#deployment-preflight").ClickAsync();
        var result = _page.Locator("[data-testid=deployment-preflight-result]");
        await Expect(result.Locator("[data-check=worker]")).ToHaveAttributeAsync("data-ok", "true");
        await Expect(result).ToHaveAttributeAsync("data-ok", "true");
    }
}
