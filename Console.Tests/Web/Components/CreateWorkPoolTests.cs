using System.Text.Json.Nodes;
using Bunit;
using Bunit.TestDoubles;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.WorkPools;
using Console.Core.WorkPools;
using Console.Web.Components.WorkPools;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Web.Components;

public sealed class CreateWorkPoolTests : ComponentTestBase
{
    protected override bool UsesDatabase => true;

    [Theory]
    [InlineData("my-docker-pool", null)]
    [InlineData("a", null)]
    [InlineData("My Pool", "Use 1-63 lowercase letters")]
    [InlineData("-leading", "Use 1-63 lowercase letters")]
    [InlineData("trailing_", "Use 1-63 lowercase letters")]
    [InlineData("", "A name is required.")]
    [InlineData("taken", "A work pool named 'taken' already exists.")]
    public void The_name_is_checked_while_typed(string name, string? error)
    {
        var model = new CreateWorkPoolModel(WorkPoolTypes.All(), ["taken"]);
        Assert.Null(model.NameError); // nothing is shown before the person types

        model.SetName(name);

        if (error is null)
        {
            Assert.Null(model.NameError);
        }
        else
        {
            Assert.StartsWith(error, model.NameError, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("5", null)]
    [InlineData("0", null)]
    [InlineData("-1", "Enter a whole number")]
    [InlineData("2.5", "Enter a whole number")]
    [InlineData("many", "Enter a whole number")]
    public void The_concurrency_limit_is_a_whole_number_or_empty(string text, string? error)
    {
        var model = new CreateWorkPoolModel(WorkPoolTypes.All(), []);
        model.SetLimit(text);
        if (error is null)
        {
            Assert.Null(model.LimitError);
        }
        else
        {
            Assert.StartsWith(error, model.LimitError, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Steps_advance_only_when_the_current_one_is_valid()
    {
        var model = new CreateWorkPoolModel(WorkPoolTypes.All(), []);
        Assert.False(model.Next());

        model.SelectType(WorkPoolTypes.Docker);
        Assert.True(model.Next());
        Assert.False(model.Next());
        Assert.Equal("A name is required.", model.NameError);

        model.SetName("my-docker-pool");
        Assert.True(model.Next());
        Assert.True(model.IsLastStep);
        Assert.Equal(WorkPoolTypes.DefaultImage, model.Template!.Form["image"]!.Text);

        var request = model.ToRequest();
        Assert.Equal("my-docker-pool", request.Name);
        Assert.Equal(WorkPoolTypes.Docker, request.Type);
        Assert.Null(request.ConcurrencyLimit);
        Assert.NotNull(request.BaseJobTemplate);
    }

    [Fact]
    public void A_server_conflict_lands_on_the_name()
    {
        var model = new CreateWorkPoolModel(WorkPoolTypes.All(), []);
        model.SelectType(WorkPoolTypes.Process);
        model.Next();
        model.SetName("raced");
        model.Next();

        model.ApplyError(new ConflictException("A work pool named 'raced' already exists."));

        Assert.Equal(CreateWorkPoolModel.DetailsStep, model.Step);
        Assert.Equal("A work pool named 'raced' already exists.", model.NameError);
    }

    [Fact]
    public async Task Creating_through_the_page_stores_the_pool_and_opens_it()
    {
        var cut = RenderWithProviders<CreateWorkPoolPage>();
        cut.WaitForElement("input#pool-type-process");

        cut.Find("input#pool-type-process").Click();
        cut.Find("#create-pool-next").Click();
        cut.WaitForElement("input#pool-name").Input("fresh-pool");
        cut.Find("input#pool-concurrency").Input("4");
        cut.Find("#create-pool-next").Click();
        cut.WaitForElement("input#var-working_dir").Input("/srv/flows");
        cut.Find("#create-pool-submit").Click();

        var navigation = Context.Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.EndsWith("/work-pools/fresh-pool", navigation.Uri, StringComparison.Ordinal));
        var pool = await CallAsync((WorkPoolService s) => s.GetAsync("fresh-pool"));
        Assert.Equal(4, pool.ConcurrencyLimit);
        Assert.Equal("/srv/flows", pool.BaseJobTemplate["variables"]!["properties"]!["working_dir"]!["default"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_duplicate_name_shows_on_the_field_while_typing()
    {
        await CallAsync((WorkPoolService s) => s.CreateAsync(new CreateWorkPoolRequest { Name = "taken", Type = "process" }));
        var cut = RenderWithProviders<CreateWorkPoolPage>();
        cut.WaitForElement("input#pool-type-process");
        cut.Find("input#pool-type-process").Click();
        cut.Find("#create-pool-next").Click();

        cut.Find("input#pool-name").Input("taken");

        cut.WaitForAssertion(() => Assert.Contains("A work pool named 'taken' already exists.",
            cut.Find("[data-testid=pool-name-field]").TextContent, StringComparison.Ordinal));
        Assert.True(cut.Find("#create-pool-next").HasAttribute("disabled"));

        cut.Find("input#pool-name").Input("taken-2");
        cut.WaitForAssertion(() => Assert.DoesNotContain("already exists", cut.Find("[data-testid=pool-name-field]").TextContent, StringComparison.Ordinal));
        Assert.False(cut.Find("#create-pool-next").HasAttribute("disabled"));
    }

    [Fact]
    public async Task A_pool_created_elsewhere_meanwhile_makes_the_typed_name_a_duplicate()
    {
        var cut = RenderWithProviders<CreateWorkPoolPage>();
        cut.WaitForElement("input#pool-type-process");
        cut.Find("input#pool-type-process").Click();
        cut.Find("#create-pool-next").Click();
        cut.WaitForElement("input#pool-name").Input("contested");

        await CallAsync((WorkPoolService s) => s.CreateAsync(new CreateWorkPoolRequest { Name = "contested", Type = "process" }));

        cut.WaitForAssertion(() => Assert.Contains("already exists", cut.Find("[data-testid=pool-name-field]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void A_template_the_server_refuses_shows_the_error_on_the_variable()
    {
        var cut = RenderWithProviders<CreateWorkPoolPage>();
        cut.WaitForElement("input#pool-type-process");
        cut.Find("input#pool-type-process").Click();
        cut.Find("#create-pool-next").Click();
        cut.WaitForElement("input#pool-name").Input("strict-pool");
        cut.Find("#create-pool-next").Click();

        // A constraint only the server checks: working_dir at most 3 characters.
        cut.Find("[data-testid=template-view-json]").Click();
        var template = WorkPoolTypes.DefaultTemplate(WorkPoolTypes.Process);
        ((JsonObject)template["variables"]!["properties"]!["working_dir"]!)["maxLength"] = 3;
        cut.Find("textarea#template-json").Input(template.ToJsonString());
        cut.Find("[data-testid=template-view-form]").Click();
        cut.WaitForElement("input#var-working_dir").Input("/much/too/long");
        cut.Find("#create-pool-submit").Click();

        cut.WaitForAssertion(() => Assert.Contains("does not match its own schema",
            cut.Find("[data-testid=field-working_dir]").TextContent, StringComparison.Ordinal));
        Assert.Equal(CreateWorkPoolModel.TemplateStep.ToString(System.Globalization.CultureInfo.InvariantCulture),
            cut.Find("[data-testid=create-pool-form]").GetAttribute("data-step"));
    }
}
