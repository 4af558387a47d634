using System.Text.Json.Nodes;
using Bunit;
using Console.Contracts;
using Console.Contracts.Security;
using Console.Contracts.WorkPools;
using Console.Core.WorkPools;
using Console.Web.Components.WorkPools;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Console.Tests.Web.Components;

/// <summary>A pool whose template lets runs reach the Docker host says so, on its Details tab and while its template is edited.</summary>
public sealed class HostAccessWarningsTests : ComponentTestBase
{
    private const string SocketWarning = "Job containers of this pool can control the Docker host.";

    protected override bool UsesDatabase => true;

    [Fact]
    public async Task The_details_tab_warns_only_when_the_pool_allows_the_Docker_socket()
    {
        var plain = await PoolAsync("plain-pool", WorkPoolTypes.DefaultTemplate(WorkPoolTypes.Docker));
        var socket = await PoolAsync("socket-pool", SocketTemplate());

        var quiet = Context.Render<PoolDetails>(p => p.Add(c => c.Pool, plain));
        var warned = Context.Render<PoolDetails>(p => p.Add(c => c.Pool, socket));

        Assert.Empty(quiet.FindAll("[data-testid^=host-access-]"));
        var alert = warned.Find("[data-testid=host-access-docker-socket]");
        Assert.Contains("mud-alert-text-warning", alert.ClassName, StringComparison.Ordinal);
        Assert.Contains(SocketWarning, alert.TextContent, StringComparison.Ordinal);
        Assert.Contains("allowDockerSocket", alert.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Privileged_runs_and_the_host_network_are_warned_about_too()
    {
        var template = WorkPoolTypes.DefaultTemplate(WorkPoolTypes.Docker);
        template["jobConfiguration"]!["privileged"] = "{{ privileged }}";
        var properties = template["variables"]!["properties"]!.AsObject();
        properties["privileged"] = new JsonObject { ["type"] = "boolean", ["default"] = false };
        properties["network_mode"]!["enum"] = new JsonArray("bridge", "host");
        properties["network_mode"]!["default"] = "bridge";
        var pool = await PoolAsync("wide-open-pool", template);

        var cut = Context.Render<PoolDetails>(p => p.Add(c => c.Pool, pool));

        Assert.Contains("can run privileged, so they can control the Docker host", cut.Find("[data-testid=host-access-privileged]").TextContent, StringComparison.Ordinal);
        Assert.Contains("join the host's network", cut.Find("[data-testid=host-access-host-network]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=host-access-docker-socket]"));
    }

    [Fact]
    public async Task The_create_flow_warns_as_soon_as_the_template_allows_the_socket_and_the_pool_is_created_with_it()
    {
        var cut = RenderWithProviders<CreateWorkPoolPage>();
        cut.WaitForElement("input#pool-type-docker");
        cut.Find("input#pool-type-docker").Click();
        cut.Find("#create-pool-next").Click();
        cut.WaitForElement("input#pool-name").Input("socket-created");
        cut.Find("#create-pool-next").Click();
        Assert.Empty(cut.FindAll("[data-testid^=host-access-]"));

        cut.Find("[data-testid=template-view-json]").Click();
        cut.WaitForElement("textarea#template-json").Input(SocketTemplate().ToJsonString());

        cut.WaitForAssertion(() => Assert.Contains(SocketWarning, cut.Find("[data-testid=host-access-docker-socket]").TextContent, StringComparison.Ordinal));
        cut.Find("[data-testid=template-view-form]").Click();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=host-access-docker-socket]")));

        cut.Find("#create-pool-submit").Click();
        var navigation = Context.Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.EndsWith("/work-pools/socket-created", navigation.Uri, StringComparison.Ordinal));
        var created = await CallAsync((WorkPoolService s) => s.GetAsync("socket-created"));
        Assert.True(JobSecurityPolicy.HostAccessOf(created.BaseJobTemplate).DockerSocket);
    }

    [Fact]
    public async Task The_edit_dialog_warns_while_the_socket_is_allowed_and_stops_when_the_flag_is_removed()
    {
        var pool = await PoolAsync("socket-edited", SocketTemplate());
        RenderWithProviders<PoolDetails>(p => p.Add(c => c.Pool, pool));
        var service = Context.Services.GetRequiredService<IDialogService>();
        var dialogs = Dialogs!;

        await dialogs.InvokeAsync(() => service.ShowAsync<EditWorkPoolDialog>("Edit", new DialogParameters<EditWorkPoolDialog> { { d => d.Pool, pool } }));

        dialogs.WaitForAssertion(() => Assert.Contains(SocketWarning,
            dialogs.Find("[data-testid=edit-pool-dialog] [data-testid=host-access-docker-socket]").TextContent, StringComparison.Ordinal));
        dialogs.Find("[data-testid=edit-pool-dialog] [data-testid=template-view-json]").Click();
        var withoutFlag = SocketTemplate();
        withoutFlag.Remove(JobSecurityPolicy.AllowDockerSocket);
        dialogs.Find("textarea#template-json").Input(withoutFlag.ToJsonString());
        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=edit-pool-dialog] [data-testid^=host-access-]")));
    }

    private static JsonObject SocketTemplate()
    {
        var template = WorkPoolTypes.DefaultTemplate(WorkPoolTypes.Docker);
        template[JobSecurityPolicy.AllowDockerSocket] = true;
        return template;
    }

    private Task<WorkPoolDto> PoolAsync(string name, JsonObject template) =>
        CallAsync((WorkPoolService s) => s.CreateAsync(new CreateWorkPoolRequest { Name = name, Type = WorkPoolTypes.Docker, BaseJobTemplate = template }));
}
