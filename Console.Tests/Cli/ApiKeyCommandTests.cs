using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Console.Cli.Hosting;
using Console.Contracts.Security;
using Console.Tests.Security;

namespace Console.Tests.Cli;

/// <summary><c>cx api-key</c> against a real server that requires authentication, with real keys.</summary>
[Collection(CliCollection.Name)]
public sealed partial class ApiKeyCommandTests(SecureConsoleServer server) : IClassFixture<SecureConsoleServer>, IAsyncLifetime, IDisposable
{
    private readonly CliHarness _admin = new(server);

    [GeneratedRegex(@"cx_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")]
    private static partial Regex WholeKey();

    public async Task InitializeAsync() =>
        _admin.Environment[CliEnvironment.ApiKeyVariable] = await server.KeyAsync(Roles.Admin);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Create_prints_the_key_once_with_a_warning_and_the_key_works()
    {
        var name = CliHarness.Unique("ci-deployer");

        var created = await _admin.RunAsync("api-key", "create", "--name", name, "--role", "operator", "--expires-in-days", "30");

        Assert.Equal(0, created.ExitCode);
        Assert.Contains($"Created API key '{name}'", created.Output, StringComparison.Ordinal);
        Assert.Contains("role operator", created.Output, StringComparison.Ordinal);
        Assert.Contains("shown only this once and cannot be shown again", created.Output, StringComparison.Ordinal);
        var key = Assert.Single(WholeKey().Matches(created.Output)).Value;
        using var withKey = As(key);
        var pools = await withKey.RunAsync("work-pool", "ls");
        Assert.Equal(0, pools.ExitCode);

        var listed = await _admin.RunAsync("api-key", "ls");
        Assert.Equal(0, listed.ExitCode);
        Assert.Contains(name, listed.Output, StringComparison.Ordinal);
        Assert.Contains(key[..11], listed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(key, listed.Output, StringComparison.Ordinal);
        Assert.DoesNotMatch(WholeKey(), listed.Output);
    }

    [Fact]
    public async Task Ls_with_output_json_prints_the_keys_without_any_secret()
    {
        var pool = CliHarness.Unique("key-pool");
        var name = CliHarness.Unique("pool-worker");
        var created = await _admin.RunAsync("--output", "json", "api-key", "create", "--name", name, "--role", "worker", "--pool", pool, "--pool", pool + "-b");
        Assert.Equal(0, created.ExitCode);
        var createdJson = JsonNode.Parse(created.Output)!;
        var secret = (string)createdJson["key"]!;
        Assert.Matches(WholeKey(), secret);

        var listed = await _admin.RunAsync("--output", "json", "api-key", "ls");

        Assert.Equal(0, listed.ExitCode);
        Assert.DoesNotContain(secret, listed.Output, StringComparison.Ordinal);
        var keys = JsonNode.Parse(listed.Output)!.AsArray();
        var mine = Assert.Single(keys, k => (string?)k!["name"] == name)!;
        Assert.Equal("worker", (string?)mine["role"]);
        Assert.Equal([pool, pool + "-b"], mine["pools"]!.AsArray().Select(p => (string)p!));
        Assert.Equal("Active", (string?)mine["status"]);
        Assert.Null(mine["key"]);
        Assert.All(keys, k => Assert.Null(k!["key"]));
    }

    [Fact]
    public async Task Revoke_by_prefix_refuses_the_key_at_once_and_delete_by_id_does_the_same()
    {
        var first = await CreateKeyAsync(Roles.Viewer);
        var second = await CreateKeyAsync(Roles.Viewer);

        var revoked = await _admin.RunAsync("api-key", "revoke", first.Prefix);
        var deleted = await _admin.RunAsync("api-key", "delete", second.Id.ToString());
        var again = await _admin.RunAsync("api-key", "revoke", first.Prefix[3..]);

        Assert.Equal(0, revoked.ExitCode);
        Assert.Contains($"Revoked API key '{first.Name}' ({first.Prefix})", revoked.Output, StringComparison.Ordinal);
        Assert.Equal(0, deleted.ExitCode);
        Assert.Contains($"Revoked API key '{second.Name}'", deleted.Output, StringComparison.Ordinal);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("was already revoked", again.Output, StringComparison.Ordinal);
        foreach (var key in new[] { first.Key, second.Key })
        {
            using var withKey = As(key);
            var refused = await withKey.RunAsync("work-pool", "ls");
            Assert.Equal(ExitCodes.Error, refused.ExitCode);
            Assert.Contains("Unauthorized", refused.Output, StringComparison.Ordinal);
        }

        var listed = JsonNode.Parse((await _admin.RunAsync("--output", "json", "api-key", "ls")).Output)!.AsArray();
        Assert.Equal("Revoked", (string?)listed.Single(k => (string?)k!["prefix"] == first.Prefix)!["status"]);
        Assert.Equal("Revoked", (string?)listed.Single(k => (string?)k!["prefix"] == second.Prefix)!["status"]);
    }

    [Fact]
    public async Task Revoke_asks_for_confirmation_when_interactive_and_no_keeps_the_key()
    {
        var key = await CreateKeyAsync(Roles.Viewer);
        var console = CliHarness.NewConsole(interactive: true);
        console.Input.PushTextWithEnter("n");

        var refused = await _admin.RunAsync(console, "api-key", "revoke", key.Prefix);

        Assert.Equal(0, refused.ExitCode);
        Assert.Contains($"Revoke API key '{key.Name}' ({key.Prefix})?", refused.Output, StringComparison.Ordinal);
        Assert.Contains("Nothing revoked.", refused.Output, StringComparison.Ordinal);
        using var withKey = As(key.Key);
        Assert.Equal(0, (await withKey.RunAsync("work-pool", "ls")).ExitCode);
    }

    [Fact]
    public async Task A_viewer_key_is_forbidden_to_manage_keys_with_exit_code_1_and_nothing_is_created()
    {
        var viewer = await CreateKeyAsync(Roles.Viewer);
        using var asViewer = As(viewer.Key);
        var name = CliHarness.Unique("sneaky");

        var listed = await asViewer.RunAsync("api-key", "ls");
        var created = await asViewer.RunAsync("api-key", "create", "--name", name, "--role", "admin");
        var revoked = await asViewer.RunAsync("api-key", "revoke", viewer.Id.ToString());

        foreach (var result in new[] { listed, created, revoked })
        {
            Assert.Equal(ExitCodes.Error, result.ExitCode);
            Assert.Contains("Error: Forbidden", result.Output, StringComparison.Ordinal);
        }

        var all = await _admin.RunAsync("--output", "json", "api-key", "ls");
        var keys = JsonNode.Parse(all.Output)!.AsArray();
        Assert.DoesNotContain(keys, k => (string?)k!["name"] == name);
        Assert.Equal("Active", (string?)keys.Single(k => (string?)k!["prefix"] == viewer.Prefix)!["status"]);
    }

    [Fact]
    public async Task Bad_input_gets_readable_errors_and_non_zero_exit_codes()
    {
        var badRole = await _admin.RunAsync("api-key", "create", "--name", "x", "--role", "superuser");
        var workerWithoutPool = await _admin.RunAsync("api-key", "create", "--name", "x", "--role", "worker");
        var badExpiry = await _admin.RunAsync("api-key", "create", "--name", "x", "--role", "viewer", "--expires-in-days", "0");
        var noName = await _admin.RunAsync("api-key", "create", "--role", "viewer");
        var unknown = await _admin.RunAsync("api-key", "revoke", "cx_00000000");
        var unknownId = await _admin.RunAsync("api-key", "revoke", Guid.NewGuid().ToString());

        Assert.Equal(ExitCodes.Error, badRole.ExitCode);
        Assert.Contains("  - role: 'superuser' is not a role: use admin, operator, viewer, worker.", badRole.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Error, workerWithoutPool.ExitCode);
        Assert.Contains("  - pools: A worker key serves named pools", workerWithoutPool.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Error, badExpiry.ExitCode);
        Assert.Contains("expiresInDays must be 1 to 3650", badExpiry.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, noName.ExitCode);
        Assert.Contains("--name is required", noName.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Error, unknown.ExitCode);
        Assert.Contains("No API key has the id or prefix 'cx_00000000'", unknown.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Error, unknownId.ExitCode);
        Assert.Contains("does not exist", unknownId.Output, StringComparison.Ordinal);
    }

    public void Dispose() => _admin.Dispose();

    private CliHarness As(string key)
    {
        var harness = new CliHarness(server);
        harness.Environment[CliEnvironment.ApiKeyVariable] = key;
        return harness;
    }

    private async Task<CreatedApiKeyDto> CreateKeyAsync(string role)
    {
        var result = await _admin.RunAsync("--output", "json", "api-key", "create", "--name", CliHarness.Unique(role), "--role", role);
        Assert.Equal(0, result.ExitCode);
        return Console.Cli.Api.ApiClient.As<CreatedApiKeyDto>(JsonNode.Parse(result.Output));
    }
}
