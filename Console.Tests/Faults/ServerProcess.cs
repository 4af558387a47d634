using System.Net;
using Console.Tests.Worker;

namespace Console.Tests.Faults;

/// <summary>
/// The built console (<c>dotnet Console.Web.dll</c>) as its own OS process on a fixed loopback port
/// over a SQLite file of its own, so a test can SIGKILL it and start it again where workers expect
/// it, on the same database.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly ChildProcess _process;

    private ServerProcess(string folder, int port, IReadOnlyDictionary<string, string?> settings)
    {
        Port = port;
        DatabasePath = Path.Combine(folder, "console.db");
        var environment = new Dictionary<string, string?>
        {
            // Development serves the app's static assets from the build output (TEST-ENV.md).
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ConnectionStrings__Console"] = $"Data Source={DatabasePath}",
            ["Worker__Enabled"] = "false",
            ["WorkPools__DefaultImage"] = Infrastructure.TestEnvironment.TestImage,
            // As in the in-process test hosts: the periodic jobs run only where a test asks for them.
            ["Jobs__Enabled"] = "false",
            ["Worker__StateDirectory"] = Path.Combine(folder, "embedded-worker"),
            ["Logging__LogLevel__Default"] = "Information",
        };
        foreach (var (key, value) in settings)
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        _process = new ChildProcess($"server :{port}", BuiltApps.DotnetHost,
            [BuiltApps.ServerDll, "--urls", $"http://127.0.0.1:{port}"], environment, folder);
    }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public string DatabasePath { get; }

    public ChildProcess Process => _process;

    /// <summary>Starts the server and waits until <c>/healthz</c> answers 200.</summary>
    /// <param name="settings">Configuration keys (<c>Jobs:Enabled</c>, ...) passed as environment variables.</param>
    public static async Task<ServerProcess> StartAsync(string folder, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var server = new ServerProcess(folder, RestartableServer.FreePort(), settings ?? new Dictionary<string, string?>());
        try
        {
            await server.StartAgainAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public HttpClient CreateHttpClient() => new() { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The power cut: SIGKILL, no shutdown code, nothing flushed by the app.</summary>
    public Task KillAsync() => _process.KillAsync();

    /// <summary>Starts the process (again, on the same port and database) and waits until it is healthy.</summary>
    public async Task StartAgainAsync()
    {
        _process.Start();
        using var http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + StartTimeout;
        string last = "no answer yet";
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited before it was healthy.\n{_process.RecentOutput()}");
            }

            try
            {
                using var response = await http.GetAsync("/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                last = ex.Message;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The server did not answer /healthz with 200 within {StartTimeout.TotalSeconds:0} s (last: {last}).\n{_process.RecentOutput()}");
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
