using Spectre.Console.Testing;
using System.Text.Json.Nodes;
using Console.Cli.Hosting;
using Console.Tests.Infrastructure;

namespace Console.Tests.Cli;

[Collection(CliCollection.Name)]
public sealed class WorkPoolCommandTests(ConsoleServer server) : IDisposable
{
    private readonly CliHarness _cli = new(server);

    [Fact]
    public async Task Create_then_ls_shows_the_pool_as_the_seed_tutorial_does()
    {
        var name = CliHarness.Unique("my-docker-pool");

        var created = await _cli.RunAsync("work-pool", "create", "--type", "docker", name);
        var listed = await _cli.RunAsync("work-pool", "ls");

        Assert.Equal(0, created.ExitCode);
        Assert.Contains($"Created work pool '{name}' of type docker", created.Output, StringComparison.Ordinal);
        Assert.Contains($"worker start --pool {name}", created.Output, StringComparison.Ordinal);
        Assert.Equal(0, listed.ExitCode);
        Assert.Contains(name, listed.Output, StringComparison.Ordinal);
        Assert.Contains("Not ready", listed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ls_keeps_a_30_character_name_whole_at_80_columns()
    {
        var name = CliHarness.Unique("narrow-table-pool");
        Assert.Equal(30, name.Length);
        await _cli.RunAsync("work-pool", "create", "--type", "docker", "--description", "a description long enough to need wrapping at eighty columns", name);

        var listed = await _cli.RunAsync(CliHarness.NewConsole().Width(80), "work-pool", "ls");

        Assert.Equal(0, listed.ExitCode);
        var lines = listed.Output.Split('\n');
        Assert.All(lines, l => Assert.True(l.TrimEnd().Length <= 80, $"wider than 80 columns: {l}"));
        Assert.Contains(lines, l => l.Contains(name, StringComparison.Ordinal) && l.Contains("docker", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ls_piped_prints_whole_rows_at_their_natural_width()
    {
        var name = CliHarness.Unique("piped-table-pool1");
        Assert.Equal(30, name.Length);
        await _cli.RunAsync("work-pool", "create", "--type", "docker", "--description", "a description long enough to need wrapping at eighty columns", name);

        // The real cx process with stdout a pipe and no COLUMNS, as in `cx work-pool ls | grep NAME`.
        var (exit, stdout, stderr) = await Hosting.Shell.BashAsync(
            $"unset COLUMNS; \"$DOTNET\" \"$CX\" work-pool ls | grep -F '{name}'",
            _cli.WorkingDirectory,
            new Dictionary<string, string> { ["CONSOLE_API_URL"] = server.BaseUrl, ["DOTNET"] = Faults.BuiltApps.DotnetHost, ["CX"] = Faults.BuiltApps.CliDll },
            TimeSpan.FromSeconds(60));

        Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{stderr}");
        var row = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("docker", row, StringComparison.Ordinal);
        Assert.Contains("a description long enough to need wrapping at eighty columns", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ls_with_output_json_prints_the_api_array()
    {
        var name = CliHarness.Unique("json-pool");
        await _cli.RunAsync("work-pool", "create", "--type", "process", name);

        var listed = await _cli.RunAsync("--output", "json", "work-pool", "ls");

        Assert.Equal(0, listed.ExitCode);
        var pools = JsonNode.Parse(listed.Output)!.AsArray();
        Assert.Contains(pools, p => (string?)p!["name"] == name && (string?)p["type"] == "process");
    }

    [Fact]
    public async Task Create_with_all_options_then_inspect_shows_them()
    {
        var name = CliHarness.Unique("full-pool");
        var template = await _cli.RunAsync("work-pool", "get-default-base-job-template", "--type", "process");
        Assert.Equal(0, template.ExitCode);
        _cli.WriteFile("template.json", template.Output);

        var created = await _cli.RunAsync("work-pool", "create", name, "--type", "process", "--description", "nightly jobs",
            "--concurrency-limit", "3", "--paused", "--base-job-template", "template.json");
        var inspected = await _cli.RunAsync("work-pool", "inspect", name);

        Assert.Equal(0, created.ExitCode);
        Assert.Contains("(paused)", created.Output, StringComparison.Ordinal);
        Assert.Equal(0, inspected.ExitCode);
        Assert.Contains("nightly jobs", inspected.Output, StringComparison.Ordinal);
        Assert.Contains("Paused", inspected.Output, StringComparison.Ordinal);
        Assert.Contains("working_dir", inspected.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_pause_resume_and_delete_change_the_pool()
    {
        var name = CliHarness.Unique("life-pool");
        await _cli.RunAsync("work-pool", "create", "--type", "process", name);

        var updated = await _cli.RunAsync("work-pool", "update", name, "--concurrency-limit", "5", "--description", "changed");
        var paused = await _cli.RunAsync("work-pool", "pause", name);
        var afterPause = await _cli.RunAsync("--output", "json", "work-pool", "inspect", name);
        var resumed = await _cli.RunAsync("work-pool", "resume", name);
        var afterResume = await _cli.RunAsync("--output", "json", "work-pool", "inspect", name);
        var deleted = await _cli.RunAsync("work-pool", "delete", name);
        var gone = await _cli.RunAsync("work-pool", "inspect", name);

        Assert.Equal(0, updated.ExitCode);
        Assert.Equal(0, paused.ExitCode);
        var pool = JsonNode.Parse(afterPause.Output)!;
        Assert.Equal(5, (int?)pool["concurrencyLimit"]);
        Assert.Equal("changed", (string?)pool["description"]);
        Assert.True((bool?)pool["isPaused"]);
        Assert.Equal(0, resumed.ExitCode);
        Assert.False((bool?)JsonNode.Parse(afterResume.Output)!["isPaused"]);
        Assert.Equal(0, deleted.ExitCode);
        Assert.Equal(ExitCodes.Error, gone.ExitCode);
        Assert.Contains("Not found", gone.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_asks_for_confirmation_when_interactive()
    {
        var name = CliHarness.Unique("keep-pool");
        await _cli.RunAsync("work-pool", "create", "--type", "process", name);
        var console = CliHarness.NewConsole(interactive: true);
        console.Input.PushTextWithEnter("n");

        var refused = await _cli.RunAsync(console, "work-pool", "delete", name);
        var still = await _cli.RunAsync("work-pool", "inspect", name);

        Assert.Equal(0, refused.ExitCode);
        Assert.Contains("Nothing deleted", refused.Output, StringComparison.Ordinal);
        Assert.Equal(0, still.ExitCode);
    }

    [Fact]
    public async Task Invalid_name_prints_the_problem_and_its_field_errors_with_exit_code_1()
    {
        var result = await _cli.RunAsync("work-pool", "create", "--type", "process", "Bad Name");

        Assert.Equal(ExitCodes.Error, result.ExitCode);
        Assert.Contains("Invalid request", result.Output, StringComparison.Ordinal);
        Assert.Contains("not a valid name", result.Output, StringComparison.Ordinal);
        Assert.Contains("  - name: 'Bad Name' is not a valid name", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicate_name_is_a_conflict()
    {
        var name = CliHarness.Unique("dup-pool");
        await _cli.RunAsync("work-pool", "create", "--type", "process", name);

        var again = await _cli.RunAsync("work-pool", "create", "--type", "process", name);

        Assert.Equal(ExitCodes.Error, again.ExitCode);
        Assert.Contains("Conflict", again.Output, StringComparison.Ordinal);
        Assert.Contains("already exists", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_type_without_prompts_is_a_usage_error()
    {
        var result = await _cli.RunAsync("--no-prompt", "work-pool", "create", CliHarness.Unique("typeless"));

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--type is required", result.Output, StringComparison.Ordinal);
        Assert.Contains("docker", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_type_is_picked_from_a_list_when_interactive()
    {
        var name = CliHarness.Unique("picked");
        var console = CliHarness.NewConsole(interactive: true);
        console.Input.PushKey(ConsoleKey.DownArrow);
        console.Input.PushKey(ConsoleKey.Enter);

        var result = await _cli.RunAsync(console, "work-pool", "create", name);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("What type of work pool", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_option_is_a_usage_error_with_exit_code_2()
    {
        var result = await _cli.RunAsync("work-pool", "ls", "--bogus");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
    }

    [Fact]
    public async Task Unreachable_server_names_the_url_and_how_to_start_the_console()
    {
        _cli.Environment[CliEnvironment.ApiUrlVariable] = "http://127.0.0.1:1";

        var result = await _cli.RunAsync("work-pool", "ls");

        Assert.Equal(ExitCodes.Error, result.ExitCode);
        Assert.Contains("http://127.0.0.1:1", result.Output, StringComparison.Ordinal);
        Assert.Contains("dotnet run --project Console.Web", result.Output, StringComparison.Ordinal);
    }

    public void Dispose() => _cli.Dispose();
}
