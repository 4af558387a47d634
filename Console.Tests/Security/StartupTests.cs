using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Console.Contracts;
using Console.Tests.Infrastructure;
using Console.Web.Security;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace Console.Tests.Security;

/// <summary>No default password, and no open console on the network: bootstrap once, refuse to start exposed.</summary>
public sealed partial class StartupTests
{
    [GeneratedRegex(@"one-time password:\s+(\S+)")]
    private static partial Regex PasswordLine();

    [GeneratedRegex(@"admin API key:\s+(cx_\S+)")]
    private static partial Regex KeyLine();

    [Theory]
    [InlineData("http://0.0.0.0:5000")]
    [InlineData("http://*:8080")]
    [InlineData("http://[::]:5000")]
    [InlineData("http://127.0.0.1:5000;http://192.168.1.20:5000")]
    [InlineData("http://console.example.com:5000")]
    public void Listening_beyond_loopback_without_credentials_is_refused(string urls)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = urls }).Build();
        var refusal = SecurityStartup.RefusalMessage(SecurityStartup.ListenUrls(configuration), requireAuth: false);
        Assert.NotNull(refusal);
        Assert.Contains("--bootstrap-admin", refusal, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", refusal, StringComparison.Ordinal);
        Assert.Null(SecurityStartup.RefusalMessage(SecurityStartup.ListenUrls(configuration), requireAuth: true));
    }

    [Theory]
    [InlineData("http://localhost:5000")]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("http://[::1]:5000")]
    public async Task Loopback_only_starts_open(string urls)
    {
        using var factory = new ListeningFactory(urls);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().GetAsync("/api/work-pools")).StatusCode);
    }

    [Fact]
    public async Task Listening_beyond_loopback_starts_once_auth_is_required_and_stays_closed()
    {
        using var factory = new ListeningFactory("http://0.0.0.0:5000", requireAuth: true);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().GetAsync("/api/work-pools")).StatusCode);
    }

    [Fact]
    public void The_ports_settings_of_container_images_count_as_exposed()
    {
        Assert.False(SecurityStartup.IsLoopbackUrl("http://*:8080"));
        Assert.True(SecurityStartup.IsLoopbackUrl("http://localhost:5000"));
        Assert.True(SecurityStartup.IsLoopbackUrl("http://unix:/run/console.sock"));
    }

    [Fact]
    public async Task The_real_process_refuses_0_0_0_0_and_bootstraps_an_admin_once()
    {
        var folder = Directory.CreateTempSubdirectory("console-bootstrap-");
        try
        {
            var database = Path.Combine(folder.FullName, "console.db");
            var refused = await RunConsoleAsync(database, "--urls", "http://0.0.0.0:0");
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("Refusing to start", refused.Error, StringComparison.Ordinal);
            Assert.Contains("--bootstrap-admin", refused.Error, StringComparison.Ordinal);
            AssertNoStackTrace(refused);

            var bootstrap = await RunConsoleAsync(database, "--bootstrap-admin", "alice");
            Assert.True(bootstrap.ExitCode == 0, bootstrap.Output);
            var password = PasswordLine().Match(bootstrap.Output).Groups[1].Value;
            var key = KeyLine().Match(bootstrap.Output).Groups[1].Value;
            Assert.False(string.IsNullOrEmpty(password), bootstrap.Output);
            Assert.False(string.IsNullOrEmpty(key), bootstrap.Output);

            var again = await RunConsoleAsync(database, "--bootstrap-admin", "mallory");
            Assert.NotEqual(0, again.ExitCode);
            Assert.Contains("already exists", again.Error, StringComparison.Ordinal);
            AssertNoStackTrace(again);

            // The console on that database: auth is on, the key works, the password is one-time.
            using var factory = new DatabaseFactory(database);
            using var anonymous = factory.CreateClient();
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/work-pools")).StatusCode);
            using var admin = factory.CreateClient();
            admin.DefaultRequestHeaders.Authorization = new("Bearer", key);
            var me = await (await admin.GetAsync("/api/me")).ReadAsync<Console.Contracts.Security.WhoAmIDto>();
            Assert.Equal("admin", me.Role);
            using var browser = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
            var signedIn = await SignInTests.SignInAsync(browser, "alice", password);
            Assert.StartsWith("/account/password", signedIn.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }
        finally
        {
            DatabaseFiles.DeleteFolder(folder.FullName);
        }
    }

    [Theory]
    [InlineData("Database:MaxConcurrentClaims must be between 1 and 1000", "--Database:MaxConcurrentClaims", "0")]
    [InlineData("Database:SqliteSynchronous must be OFF, NORMAL, FULL or EXTRA", "--Database:SqliteSynchronous", "NORMAL; PRAGMA foreign_keys=OFF")]
    [InlineData("Security:Oidc:ClientId is required", "--Security:Oidc:Authority", "https://idp.example.com/", "--Security:Oidc:OperatorGroups:0", "ops")]
    public async Task The_real_process_stops_at_start_on_an_invalid_setting_with_one_line(string message, params string[] settings)
    {
        var folder = Directory.CreateTempSubdirectory("console-options-");
        try
        {
            var started = await RunConsoleAsync(Path.Combine(folder.FullName, "console.db"), ["--urls", "http://127.0.0.1:0", .. settings]);
            Assert.NotEqual(0, started.ExitCode);
            Assert.Contains("Invalid configuration", started.Error, StringComparison.Ordinal);
            Assert.Contains(message, started.Error, StringComparison.Ordinal);
            AssertNoStackTrace(started);
        }
        finally
        {
            DatabaseFiles.DeleteFolder(folder.FullName);
        }
    }

    private static void AssertNoStackTrace(ConsoleRun run)
    {
        Assert.DoesNotContain("Unhandled exception", run.Output, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\s+at [A-Z]", run.Output);
    }

    private sealed record ConsoleRun(int ExitCode, string Output, string Error);

    private static async Task<ConsoleRun> RunConsoleAsync(string database, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Console.Web.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ConnectionStrings__Console"] = $"Data Source={database}";
        start.Environment["Worker__Enabled"] = "false";
        start.Environment["Jobs__Enabled"] = "false";
        start.Environment.Remove("ASPNETCORE_URLS");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the console did not exit: {await stdout}{await stderr}");
        }

        var error = await stderr;
        return new ConsoleRun(process.ExitCode, await stdout + error, error);
    }

    private sealed class ListeningFactory(string urls, bool requireAuth = false) : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["urls"] = urls,
            ["Security:RequireAuth"] = requireAuth ? "true" : "false",
        };
    }

    private sealed class DatabaseFactory(string database) : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["ConnectionStrings:Console"] = $"Data Source={database}",
        };
    }
}
