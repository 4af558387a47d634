using System.Text.Json.Nodes;
using Console.Projects.Flows;

namespace Console.Tests.Flows;

/// <summary>
/// Saving a deployment edits console.yaml as people wrote it: the file stays byte for byte the
/// same except the lines of the values that changed (new keys in the file's own indentation).
/// </summary>
public sealed class ManifestEditTests : IDisposable
{
    // Four-space nesting, lists under their key, comments everywhere, shorthand values, no final newline.
    private static readonly string[] WrittenLines =
    [
        "# Team manifest: edited by hand and by cx.",
        "name: demo",
        "",
        "flows:",
        "- name: report      # the shell one",
        "  entrypoint: report.sh",
        "",
        "deployments:",
        "# the nightly one",
        "- name: nightly",
        "  flow: report",
        "  description: Runs every night   # keep me",
        "  work_pool:",
        "      name: pool-a",
        "      job_variables:",
        "          env: {A: \"1\"}",
        "  schedules:",
        "  -   interval: 15m           # quarter hours",
        "      anchor_date: 2025-01-01",
        "  build:",
        "      base_image: alpine:3.20   # pinned",
        "      tag: v1",
        "",
        "# the weekly one",
        "- name: weekly",
        "  flow: report",
        "  work_pool: {name: pool-b}",
    ];

    private static readonly string Written = string.Join('\n', WrittenLines);

    private readonly TempProject _project = new();

    public ManifestEditTests() => _project.With("report.sh", "echo report\n");

    public void Dispose() => _project.Dispose();

    [Fact]
    public void Saving_a_deployment_as_it_was_read_leaves_the_file_byte_identical()
    {
        _project.Manifest(Written);
        var before = File.ReadAllBytes(_project.ManifestPath);

        var project = FlowProject.Load(_project.Folder);
        project.SaveDeployment(project.FindDeployment("nightly")!.Clone());
        project.SaveDeployment(project.FindDeployment("weekly")!.Clone());

        Assert.Equal(before, File.ReadAllBytes(_project.ManifestPath));
    }

    [Fact]
    public void Changing_values_rewrites_only_their_lines()
    {
        _project.Manifest(Written);
        var project = FlowProject.Load(_project.Folder);
        var nightly = project.FindDeployment("nightly")!.Clone();
        nightly.WorkPool!.Name = "pool-z";
        nightly.Schedules[0].Interval = 1800;
        nightly.Build!.Tag = "v2";

        project.SaveDeployment(nightly);

        AssertOnlyChanged(Written, _project.Read(), new Dictionary<string, string>
        {
            ["      name: pool-a"] = "      name: pool-z",
            ["  -   interval: 15m           # quarter hours"] = "  -   interval: 1800           # quarter hours",
            ["      tag: v1"] = "      tag: v2",
        });
        var read = FlowProject.Load(_project.Folder).FindDeployment("nightly")!;
        Assert.Equal(1800, read.Schedules[0].Interval);
        Assert.Equal(new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc), read.Schedules[0].AnchorDate);
        Assert.Equal("alpine:3.20", read.Build!.BaseImage);
        Assert.Equal("Runs every night", read.Description);
    }

    [Fact]
    public void New_keys_and_list_items_are_added_in_the_files_indentation()
    {
        _project.Manifest(Written);
        var project = FlowProject.Load(_project.Folder);
        var nightly = project.FindDeployment("nightly")!.Clone();
        nightly.Tags = ["night"];
        nightly.WorkPool!.WorkQueueName = "critical";
        nightly.Schedules.Add(new ManifestSchedule { Cron = "0 6 * * *", Timezone = "Europe/Paris" });

        project.SaveDeployment(nightly);

        var expected = Insert(WrittenLines, new Dictionary<string, string[]>
        {
            ["          env: {A: \"1\"}"] = ["      work_queue_name: critical"],
            ["      anchor_date: 2025-01-01"] = ["  -   cron: 0 6 * * *", "      timezone: Europe/Paris"],
            ["      tag: v1"] = ["  tags:", "  - night"],
        });
        Assert.NotEqual(Written, expected);
        Assert.Equal(expected, _project.Read());
        Assert.Equal(["night"], FlowProject.Load(_project.Folder).FindDeployment("nightly")!.Tags);
    }

    [Fact]
    public void A_field_set_to_null_loses_its_line_only()
    {
        _project.Manifest(Written);
        var project = FlowProject.Load(_project.Folder);
        var nightly = project.FindDeployment("nightly")!.Clone();
        nightly.Description = null;
        nightly.WorkPool!.JobVariables = null;

        project.SaveDeployment(nightly);

        var expected = string.Join('\n', WrittenLines.Where(l =>
            l is not "  description: Runs every night   # keep me" and not "      job_variables:" and not "          env: {A: \"1\"}"));
        Assert.Equal(expected, _project.Read());
    }

    [Fact]
    public void A_value_inside_brackets_is_written_in_brackets_on_its_line()
    {
        _project.Manifest(Written);
        var project = FlowProject.Load(_project.Folder);
        var weekly = project.FindDeployment("weekly")!.Clone();
        weekly.WorkPool!.Name = "pool-c";
        var nightly = project.FindDeployment("nightly")!.Clone();
        nightly.WorkPool!.JobVariables = new JsonObject { ["env"] = new JsonObject { ["A"] = "2" } };

        project.SaveDeployment(weekly);
        project.SaveDeployment(nightly);

        AssertOnlyChanged(Written, _project.Read(), new Dictionary<string, string>
        {
            ["  work_pool: {name: pool-b}"] = "  work_pool: {name: pool-c}",
            ["          env: {A: \"1\"}"] = "          env: {A: \"2\"}",
        });
    }

    [Fact]
    public void A_new_deployment_is_added_after_the_last_one_in_the_same_layout()
    {
        _project.Manifest(Written);

        FlowProject.SaveDeployment(_project.Folder, new ManifestDeployment
        {
            Name = "hourly",
            Flow = "report",
            WorkPool = new ManifestWorkPool { Name = "pool-a" },
            Schedules = [new ManifestSchedule { Interval = 3600 }],
        });

        Assert.Equal(Written + "\n" + string.Join('\n',
            "- name: hourly",
            "  flow: report",
            "  work_pool:",
            "      name: pool-a",
            "  schedules:",
            "  - interval: 3600") + "\n", _project.Read());
    }

    [Fact]
    public void Windows_line_endings_and_a_byte_order_mark_are_kept()
    {
        var crlf = Written.Replace("\n", "\r\n", StringComparison.Ordinal);
        File.WriteAllText(_project.ManifestPath, crlf, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        var project = FlowProject.Load(_project.Folder);
        var weekly = project.FindDeployment("weekly")!.Clone();
        weekly.WorkPool!.Name = "pool-c";

        project.SaveDeployment(weekly);

        var bytes = File.ReadAllBytes(_project.ManifestPath);
        Assert.Equal(System.Text.Encoding.UTF8.Preamble.ToArray(), bytes[..3]);
        Assert.Equal(crlf.Replace("{name: pool-b}", "{name: pool-c}", StringComparison.Ordinal), System.Text.Encoding.UTF8.GetString(bytes[3..]));
    }

    /// <summary>The lines with <paramref name="after"/>'s lines added after the line each key names.</summary>
    private static string Insert(string[] lines, Dictionary<string, string[]> after) =>
        string.Join('\n', lines.SelectMany(l => after.TryGetValue(l, out var added) ? [l, .. added] : new[] { l }));

    /// <summary>The edited text has the same lines as the original but for the ones named, which read as given.</summary>
    private static void AssertOnlyChanged(string original, string edited, Dictionary<string, string> changes)
    {
        var before = original.Split('\n');
        var after = edited.Split('\n');
        Assert.Equal(before.Length, after.Length);
        var changed = 0;
        for (var i = 0; i < before.Length; i++)
        {
            if (changes.TryGetValue(before[i], out var line))
            {
                Assert.Equal(line, after[i]);
                changed++;
            }
            else
            {
                Assert.Equal(before[i], after[i]);
            }
        }

        Assert.Equal(changes.Count, changed);
    }
}
