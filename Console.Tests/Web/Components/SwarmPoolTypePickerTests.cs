using Bunit;
using Console.Contracts.WorkPools;
using Console.Web.Components.WorkPools;
using MudBlazor;

namespace Console.Tests.Web.Components;

/// <summary>The create-pool page offers docker-swarm with its own icon and description, and opens its template form.</summary>
public sealed class SwarmPoolTypePickerTests : ComponentTestBase
{
    protected override bool UsesDatabase => true;

    [Fact]
    public void The_type_picker_shows_Docker_Swarm_with_its_icon_and_description()
    {
        var cut = RenderWithProviders<CreateWorkPoolPage>();
        cut.WaitForElement("input#pool-type-docker-swarm");

        var card = cut.FindAll(".type-card").Single(c => c.QuerySelector("input#pool-type-docker-swarm") is not null);
        var description = WorkPoolTypes.All().Single(t => t.Type == WorkPoolTypes.DockerSwarm).Description;

        Assert.Contains("Docker Swarm", card.TextContent, StringComparison.Ordinal);
        Assert.Contains(description, card.TextContent, StringComparison.Ordinal);
        Assert.Equal(Icons.Material.Filled.Hive, PoolTypeLabel.IconOf(WorkPoolTypes.DockerSwarm));
        Assert.NotEqual(PoolTypeLabel.IconOf(WorkPoolTypes.Docker), PoolTypeLabel.IconOf(WorkPoolTypes.DockerSwarm));
        Assert.NotNull(card.QuerySelector("svg"));
    }

    [Fact]
    public void Picking_Docker_Swarm_opens_a_form_with_its_variables()
    {
        var cut = RenderWithProviders<CreateWorkPoolPage>();
        cut.WaitForElement("input#pool-type-docker-swarm");

        cut.Find("input#pool-type-docker-swarm").Click();
        cut.Find("#create-pool-next").Click();
        cut.WaitForElement("input#pool-name").Input("swarm-pool");
        cut.Find("#create-pool-next").Click();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("input#var-image")));
        Assert.Contains("Placement constraints", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("Resources", cut.Markup, StringComparison.Ordinal);
    }
}
