using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Console.Contracts;
using Console.Tests.Infrastructure;
using Console.Web.Security;
using Microsoft.AspNetCore.Mvc.Testing;

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
    public void Listening_beyond_loopback_without_credentials_refuses_to_start(string urls)
    {
        using var factory = new ListeningFactory(urls);
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        var refused = Unwrap<StartupRefusedException>(error);
        Assert.Contains("--bootstrap-admin", refused.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", refused.Message, StringComparison.Ordinal);
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
            Assert.Contains("Refusing to start", refused.Output, StringComparison.Ordinal);
            Assert.Contains("--bootstrap-admin", refused.Output, StringComparison.Ordinal);

            var bootstrap = await RunConsoleAsync(database, "--bootstrap-admin", "alice");
            Assert.True(bootstrap.ExitCode == 0, bootstrap.Output);
            var password = PasswordLine().Match(bootstrap.Output).Groups[1].Value;
            var key = KeyLine().Match(bootstrap.Output).Groups[1].Value;
            Assert.False(string.IsNullOrEmpty(password), bootstrap.Output);
            Assert.False(string.IsNullOrEmpty(key), bootstrap.Output);

            var again = await RunConsoleAsync(database, "--bootstrap-admin", "mallory");
            Assert.NotEqual(0, again.ExitCode);
            Assert.Contains("already exists", again.Output, StringComparison.Ordinal);

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
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    private static T Unwrap<T>(Exception error)
        where T : Exception
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }

            if (e is AggregateException aggregate && aggregate.InnerExceptions.OfType<T>().FirstOrDefault() is { } inner)
            {
                return inner;
            }
        }

        throw new Xunit.Sdk.XunitException($"expected a {typeof(T).Name}, got {error}");
    }

    private static async Task<(int ExitCode, string Output)> RunConsoleAsync(string database, params string[] arguments)
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

        return (process.ExitCode, await stdout + await stderr);
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
