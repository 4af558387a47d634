using System.Net.Http.Json;
using System.Text.Json;
using Console.Contracts.Common;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Console.Tests.Infrastructure;

/// <summary>
/// The real app over a real SQLite file of its own (deleted on dispose), with the embedded worker
/// off so a test drives workers through REST. <see cref="Time"/> is a fake clock when asked for.
/// </summary>
public class ApiFactory : WebApplicationFactory<Program>
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "console-tests", Guid.NewGuid().ToString("N"));

    public ApiFactory()
        : this(fakeTime: false)
    {
    }

    protected ApiFactory(bool fakeTime)
    {
        Directory.CreateDirectory(_folder);
        if (fakeTime)
        {
            Time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero));
        }
    }

    public FakeTimeProvider? Time { get; }

    public string DatabasePath => Path.Combine(_folder, "console.db");

    public static JsonSerializerOptions Json => ConsoleJson.Options;

    /// <summary>Extra settings a test class wants (e.g. Worker:Enabled).</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        UseDatabase(builder);
        builder.UseSetting("Worker:Enabled", "false");
        // Never the shared data/worker of appsettings.json: test hosts run side by side.
        builder.UseSetting("Worker:StateDirectory", Path.Combine(_folder, "worker"));
        // Periodic jobs are driven by the tests that test them, never behind another test's back.
        builder.UseSetting("Jobs:Enabled", "false");
        // New docker pools run the local image scripts/test.sh builds: nothing can be pulled here.
        builder.UseSetting("WorkPools:DefaultImage", TestEnvironment.TestImage);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            if (Time is not null)
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton<TimeProvider>(Time);
            }
        });
    }

    /// <summary>Points the app at its database: a SQLite file here, a PostgreSQL database in <see cref="PostgresApiFactory"/>.</summary>
    protected virtual void UseDatabase(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseSetting("ConnectionStrings:Console", $"Data Source={DatabasePath}");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Hangfire.Logging.LogProvider.SetCurrentLogProvider(SilentHangfireLog.Instance);
            DatabaseFiles.DeleteFolder(_folder);
        }
    }
}

public static class HttpJson
{
    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return (await response.Content.ReadFromJsonAsync<T>(ConsoleJson.Options))!;
    }

    public static Task<HttpResponseMessage> PostJsonAsync<T>(this HttpClient client, string url, T body) =>
        client.PostAsJsonAsync(url, body, ConsoleJson.Options);

    public static async Task<T> GetFromJson<T>(this HttpClient client, string url)
    {
        ArgumentNullException.ThrowIfNull(client);
        return (await client.GetFromJsonAsync<T>(url, ConsoleJson.Options))!;
    }

    public static Task<HttpResponseMessage> PatchJsonAsync<T>(this HttpClient client, string url, T body) =>
        client.PatchAsJsonAsync(url, body, ConsoleJson.Options);
}
