using System.Text.Json.Nodes;
using Console.Contracts.Common;
using Console.Contracts.Security;
using Console.Contracts.WorkPools;
namespace Console.Tests.Security;

/// <summary>What the UI warns about, and the worker's own check of a run, on templates as platform teams write them.</summary>
public sealed class HostAccessTests
{
    [Fact]
    public void The_default_templates_allow_nothing_beyond_the_container()
    {
        foreach (var type in new[] { WorkPoolTypes.Docker, WorkPoolTypes.Process })
        {
            Assert.Equal(HostAccess.None, JobSecurityPolicy.HostAccessOf(WorkPoolTypes.DefaultTemplate(type)));
        }

        Assert.Equal(HostAccess.None, JobSecurityPolicy.HostAccessOf(null));
        Assert.Equal(HostAccess.None, JobSecurityPolicy.HostAccessOf(new JsonObject { ["jobConfiguration"] = "not an object" }));
    }

    [Theory]
    [InlineData("""{"type": "boolean"}""", true)]
    [InlineData("""{"type": "boolean", "const": false}""", false)]
    [InlineData("""{"type": "boolean", "enum": [false]}""", false)]
    [InlineData("""{"type": "boolean", "enum": [false, true]}""", true)]
    public void Privileged_counts_when_the_template_lets_a_deployment_turn_it_on(string schema, bool privileged)
    {
        var template = WorkPoolTypes.DefaultTemplate(WorkPoolTypes.Docker);
        template["jobConfiguration"]!["privileged"] = "{{ privileged }}";
        template["variables"]!["properties"]!["privileged"] = JsonNode.Parse(schema);

        Assert.Equal(privileged, JobSecurityPolicy.HostAccessOf(template).Privileged);
    }

    [Fact]
    public void The_host_network_counts_by_flag_or_by_the_schema_naming_host()
    {
        var flagged = WorkPoolTypes.DefaultTemplate(WorkPoolTypes.Docker);
        flagged[JobSecurityPolicy.AllowHostNetwork] = true;
        var listed = WorkPoolTypes.DefaultTemplate(WorkPoolTypes.Docker);
        listed["variables"]!["properties"]!["network_mode"]!["enum"] = new JsonArray("bridge", "host");

        Assert.True(JobSecurityPolicy.HostAccessOf(flagged).HostNetwork);
        Assert.True(JobSecurityPolicy.HostAccessOf(listed).HostNetwork);
        Assert.False(JobSecurityPolicy.HostAccessOf(listed).DockerSocket);
    }

    [Fact]
    public void The_workers_check_refuses_what_the_server_refuses_and_passes_what_it_allows()
    {
        var template = JobTemplate.Parse(WorkPoolTypes.DefaultTemplate(WorkPoolTypes.Docker));
        var socket = new JsonObject { ["volumes"] = new JsonArray("/var/run/docker.sock:/var/run/docker.sock") };
        var undeclared = new JsonObject { ["privileged"] = true };
        var fine = new JsonObject { ["volumes"] = new JsonArray("data:/data"), ["network_mode"] = "bridge" };

        var refused = Assert.Throws<UnprocessableException>(() => JobSecurityPolicy.CheckRun(template, socket, template.Merge(null, socket)));
        Assert.Contains("jobVariables.volumes", refused.Errors.Keys);
        var unknown = Assert.Throws<UnprocessableException>(() => JobSecurityPolicy.CheckRun(template, undeclared, template.Merge(null, undeclared)));
        Assert.Contains("jobVariables.privileged", unknown.Errors.Keys);
        JobSecurityPolicy.CheckRun(template, fine, template.Merge(null, fine));

        var allowing = WorkPoolTypes.DefaultTemplate(WorkPoolTypes.Docker);
        allowing[JobSecurityPolicy.AllowDockerSocket] = true;
        var allowed = JobTemplate.Parse(allowing);
        JobSecurityPolicy.CheckRun(allowed, socket, allowed.Merge(null, socket));
    }
}
