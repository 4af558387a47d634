using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Projects.Flows;
using Console.Projects.Images;
using Console.Tests.Infrastructure;
using Console.Web.Components.Wizard;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Cli;

/// <summary>
/// One console.yaml, two readers: <c>cx deploy</c> against a real server and the web wizard's model
/// read the same file (interval strings, anchor dates, base images, comments) into the same
/// deployment, and saving it back through either leaves the file byte for byte as it was.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class ManifestRoundTripTests(ConsoleServer server) : IDisposable
{
    private readonly CliHarness _cli = new(server);
    private readonly HttpClient _rest = server.CreateHttpClient();

    public static TheoryData<string, string> Manifests => new()
    {
        { "interval-15m", "  schedules:\n    - interval: 15m   # every quarter hour\n" },
        { "interval-2h-anchor", "  schedules:\n    - interval: 2h\n      anchor_date: 2025-01-01T09:30:00Z\n" },
        { "cron-zone", "  schedules:\n    - cron: \"0 6 * * 1-5\"   # weekday mornings\n      timezone: Europe/Paris\n" },
        { "base-image", "  build:\n    base_image: console-test/busybox:latest   # pinned\n    repository: me\n    tag: v1\n" },
    };

    [Fact]
    public async Task No_prompt_deploy_of_interval_15m_creates_a_schedule_of_900_seconds()
    {
        var pool = CliHarness.Unique("quarter-pool");
        await _rest.CreatePoolAsync(pool);
        var name = CliHarness.Unique("quarter");
        _cli.WriteFile("flow.sh", "# flow: quarterly\necho hi\n");
        _cli.WriteFile(FlowProject.ManifestFileName,
            $"deployments:\n  - name: {name}\n    flow: quarterly\n    work_pool:\n      name: {pool}\n    schedules:\n      - interval: 15m\n");

        var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", name);

        Assert.True(result.ExitCode == 0, result.ToString());
        var deployment = await _rest.GetJsonAsync<DeploymentDto>($"/api/deployments/by-name/quarterly/{name}");
        Assert.Equal(900, Assert.Single(deployment.Schedules).IntervalSeconds);
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public async Task The_cli_and_the_wizard_read_one_manifest_alike_and_save_it_back_unchanged(string label, string section)
    {
        var pool = CliHarness.Unique("rt-pool");
        await _rest.CreatePoolAsync(pool, "docker");
        var name = CliHarness.Unique(label[..Math.Min(label.Length, 10)]);
        var manifest =
            "# Round trip: every byte of this file must survive.\n"
            + "flows:\n"
            + "  - name: trip     # the flow\n"
            + "    entrypoint: trip.sh\n"
            + "\n"
            + "deployments:\n"
            + $"- name: {name}\n"
            + "  flow: trip\n"
            + "  description: Kept as written   # a comment\n"
            + "  tags: [nightly, 'two words']\n"
            + "  work_pool:\n"
            + $"    name: {pool}\n"
            + "    work_queue_name: default\n"
            + "    job_variables:\n"
            + "      env: {GREETING: \"hello\"}\n"
            + section
            + "\n# trailing comment\n";
        _cli.WriteFile("trip.sh", "echo trip\n");
        var path = _cli.WriteFile(FlowProject.ManifestFileName, manifest);
        var builder = new RecordingImageBuilder();
        _cli.Services = services => services.AddSingleton<IImageBuilder>(builder);

        // The CLI: deploy from the file and save it back.
        var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", name, "--save");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(manifest, await File.ReadAllTextAsync(path));
        var created = await _rest.GetJsonAsync<DeploymentDto>($"/api/deployments/by-name/trip/{name}");

        // The wizard's model: the same file, the same pool, its answers saved back.
        var project = FlowProject.Load(_cli.WorkingDirectory);
        var model = new WizardModel();
        model.LoadProject(project);
        model.StartFrom(project.FindDeployment(name)!);
        var poolDto = await _rest.GetJsonAsync<WorkPoolDto>($"/api/work-pools/{pool}");
        model.PoolStep.Pools = [poolDto];
        model.EnsureVariablesForm(poolDto);
        var request = model.ToRequest();
        project.SaveDeployment(model.ToManifest());

        Assert.Equal(manifest, await File.ReadAllTextAsync(path));
        Assert.Equal(created.FlowName, request.FlowName);
        Assert.Equal(created.Entrypoint, request.Entrypoint);
        Assert.Equal(created.Command, request.Command);
        Assert.Equal(created.WorkQueueName, request.WorkQueueName);
        Assert.Equal(created.Description, request.Description);
        Assert.Equal(created.Tags, request.Tags ?? []);
        Assert.True(JsonNode.DeepEquals(created.JobVariables, request.JobVariables ?? []), $"{created.JobVariables} vs {request.JobVariables}");
        var asked = request.Schedules ?? [];
        Assert.Equal(asked.Count, created.Schedules.Count);
        foreach (var (made, wanted) in created.Schedules.Zip(asked))
        {
            Assert.Equal((wanted.Cron, wanted.IntervalSeconds, wanted.Active), (made.Cron, made.IntervalSeconds, made.Active));
            Assert.Equal(wanted.Timezone ?? made.Timezone, made.Timezone);
            Assert.Equal(wanted.AnchorDate ?? made.AnchorDate, made.AnchorDate);
        }

        if (label.StartsWith("interval-15m", StringComparison.Ordinal))
        {
            Assert.Equal(900, Assert.Single(created.Schedules).IntervalSeconds);
        }

        if (label.EndsWith("anchor", StringComparison.Ordinal))
        {
            Assert.Equal((7200, new DateTime(2025, 1, 1, 9, 30, 0, DateTimeKind.Utc)), (created.Schedules[0].IntervalSeconds!.Value, created.Schedules[0].AnchorDate!.Value));
        }
        if (label == "base-image")
        {
            var cliBuild = Assert.Single(builder.Requests);
            var wizardBuild = model.ToImageBuild()!;
            Assert.Equal("console-test/busybox:latest", cliBuild.BaseImage);
            Assert.Equal((cliBuild.Image, cliBuild.BaseImage, cliBuild.Command), (wizardBuild.Image, wizardBuild.BaseImage, wizardBuild.Command));
        }
    }

    public void Dispose()
    {
        _cli.Dispose();
        _rest.Dispose();
    }
}
