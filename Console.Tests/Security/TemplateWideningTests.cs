using System.Net;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Security;
using Console.Contracts.WorkPools;
using Console.Tests.Infrastructure;

namespace Console.Tests.Security;

/// <summary>
/// Only an admin may let a pool's runs do more: an operator's PATCH or create that widens the
/// template is 403 and changes nothing; narrowing or cosmetic changes stay the operator's.
/// </summary>
public sealed class TemplateWideningTests(SecureApiFactory factory) : SecurityTestBase(factory), IClassFixture<SecureApiFactory>
{
    public static TheoryData<string> Widenings => new()
    {
        "allowDockerSocket", "allowHostNetwork", "privileged variable", "network_mode enum", "volumes pattern removed", "new volumes literal",
        "cap_add",
    };

    [Theory]
    [MemberData(nameof(Widenings))]
    public async Task An_operators_widening_patch_is_403_and_the_template_is_unchanged(string widening)
    {
        var pool = await CreatePoolAsync(template: NamedVolumesOnly());
        using var operatorClient = Factory.ClientWith(await Factory.KeyAsync(Roles.Operator));
        var before = await RowsAsync();

        var response = await operatorClient.PatchJsonAsync($"/api/work-pools/{pool.Name}", new { baseJobTemplate = Widen(NamedVolumesOnly(), widening) });

        var problem = await AssertProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Contains("Only an admin may widen", problem.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(before, await RowsAsync());
        var stored = await GetAsync<WorkPoolDto>($"/api/work-pools/{pool.Name}");
        Assert.True(JsonNode.DeepEquals(NamedVolumesOnly(), stored.BaseJobTemplate), stored.BaseJobTemplate.ToJsonString());
    }

    [Fact]
    public async Task The_issues_patch_allowing_socket_host_network_and_privileged_is_403_for_an_operator_and_200_for_an_admin()
    {
        var pool = await CreatePoolAsync();
        using var operatorClient = Factory.ClientWith(await Factory.KeyAsync(Roles.Operator));
        var wide = Widen(Widen(Widen(WorkPoolTypes.DefaultTemplate("docker"), "allowDockerSocket"), "allowHostNetwork"), "privileged variable");

        await AssertProblemAsync(await operatorClient.PatchJsonAsync($"/api/work-pools/{pool.Name}", new { baseJobTemplate = wide }), HttpStatusCode.Forbidden);
        Assert.Equal(JobSecurityPolicy.HostAccessOf(WorkPoolTypes.DefaultTemplate("docker")),
            JobSecurityPolicy.HostAccessOf((await GetAsync<WorkPoolDto>($"/api/work-pools/{pool.Name}")).BaseJobTemplate));

        var patched = await (await Client.PatchJsonAsync($"/api/work-pools/{pool.Name}", new { baseJobTemplate = wide })).ReadAsync<WorkPoolDto>();
        Assert.Equal(new HostAccess(true, true, true), JobSecurityPolicy.HostAccessOf(patched.BaseJobTemplate));
    }

    [Fact]
    public async Task An_operator_may_not_create_a_pool_wider_than_its_types_default_but_may_create_a_default_or_narrower_one()
    {
        using var operatorClient = Factory.ClientWith(await Factory.KeyAsync(Roles.Operator));
        var before = await RowsAsync();
        var wide = Widen(WorkPoolTypes.DefaultTemplate("docker"), "allowDockerSocket");
        await AssertProblemAsync(await operatorClient.PostJsonAsync("/api/work-pools",
            new CreateWorkPoolRequest { Name = Unique("wide"), Type = "docker", BaseJobTemplate = wide }), HttpStatusCode.Forbidden);
        Assert.Equal(before, await RowsAsync());

        var created = await operatorClient.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = Unique("plain"), Type = "docker" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Fact]
    public async Task An_operator_may_still_change_what_does_not_widen_runs()
    {
        var pool = await CreatePoolAsync(template: NamedVolumesOnly());
        using var operatorClient = Factory.ClientWith(await Factory.KeyAsync(Roles.Operator));
        var edited = NamedVolumesOnly();
        edited["variables"]!["properties"]!["image"]!["default"] = "console-test/busybox:1";
        edited["variables"]!["properties"]!["volumes"]!["description"] = "Named volumes only.";

        var response = await operatorClient.PatchJsonAsync($"/api/work-pools/{pool.Name}", new { baseJobTemplate = edited, description = "changed" });

        var patched = await response.ReadAsync<WorkPoolDto>();
        Assert.Equal("console-test/busybox:1", patched.BaseJobTemplate["variables"]!["properties"]!["image"]!["default"]!.GetValue<string>());
    }

    [Fact]
    public void Widening_is_described_for_each_kind_and_null_for_cosmetic_changes()
    {
        var baseline = NamedVolumesOnly();
        foreach (var widening in Widenings)
        {
            Assert.NotNull(TemplateWidening.Describe("docker", baseline, "docker", Widen(NamedVolumesOnly(), widening)));
        }

        Assert.NotNull(TemplateWidening.Describe("docker", baseline, "process", baseline));
        Assert.Null(TemplateWidening.Describe("docker", baseline, "docker", NamedVolumesOnly()));
        Assert.Null(TemplateWidening.Describe(null, null, "docker", WorkPoolTypes.DefaultTemplate("docker")));
    }

    private static JsonObject NamedVolumesOnly()
    {
        var template = WorkPoolTypes.DefaultTemplate("docker");
        template["variables"]!["properties"]!["volumes"]!["items"]!["pattern"] = "^[a-zA-Z0-9][a-zA-Z0-9_.-]*:/";
        return template;
    }

    private static JsonObject Widen(JsonObject template, string widening)
    {
        var configuration = template["jobConfiguration"]!.AsObject();
        var properties = template["variables"]!["properties"]!.AsObject();
        switch (widening)
        {
            case "allowDockerSocket" or "allowHostNetwork":
                template[widening] = true;
                break;
            case "privileged variable":
                configuration["privileged"] = "{{ privileged }}";
                properties["privileged"] = new JsonObject { ["type"] = "boolean", ["default"] = false };
                break;
            case "network_mode enum":
                properties["network_mode"]!["enum"] = new JsonArray("bridge", "host");
                break;
            case "volumes pattern removed":
                properties["volumes"]!["items"] = new JsonObject { ["type"] = "string" };
                break;
            case "new volumes literal":
                configuration["volumes"] = new JsonArray("/srv/shared:/shared");
                break;
            case "cap_add":
                configuration["cap_add"] = new JsonArray("SYS_ADMIN");
                break;
        }

        return template;
    }
}
