using System.Net;

namespace Console.Testing;

/// <summary>How to start the built console (<c>dotnet Console.Web.dll</c>) as its own process.</summary>
/// <param name="ServerDll">The built Console.Web.dll.</param>
/// <param name="Folder">The server's own folder: its SQLite file (<c>console.db</c>) and log live here.</param>
public sealed record ServerStart(string ServerDll, string Folder)
{
    public string Name { get; init; } = "server";

    /// <summary>The dotnet host to run the dll with (the tests pass their own, so children use the same runtime).</summary>
    public string DotnetHost { get; init; } = "dotnet";

    /// <summary>
    /// A published console's own executable (scripts/publish-console.sh: self-contained), run as users
    /// start it, instead of <see cref="DotnetHost"/> with <see cref="ServerDll"/>.
    /// </summary>
    public string? AppHost { get; init; }

    /// <summary>Configuration keys (<c>Jobs:Enabled</c>, ...) passed as environment variables; a null value removes one.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>A file that receives every line the server writes.</summary>
    public string? LogPath { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>The port of <c>--urls</c>; null picks a free one. Fixed when the settings name it too (Kestrel:Endpoints).</summary>
    public int? Port { get; init; }
}

/// <summary>
/// The built console as its own OS process on a free loopback port over a SQLite file of its own
/// (unless the settings name another database), the embedded worker off. A test or benchmark can
/// SIGKILL it and start it again on the same port and database.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly ServerStart _start;

    private ServerProcess(ServerStart start, int port)
    {
        _start = start;
        Port = port;
        DatabasePath = Path.Combine(start.Folder, "console.db");
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Console"] = $"Data Source={DatabasePath}",
            ["Worker__Enabled"] = "false",
            // The address is --urls; one from the environment would only confuse the log.
            ["ASPNETCORE_URLS"] = null,
        };
        foreach (var (key, value) in start.Settings)
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        Process = start.AppHost is { } app
            ? new ChildProcess($"{start.Name} :{port}", app, ["--urls", BaseUrl], environment, start.Folder, start.LogPath)
            : new ChildProcess($"{start.Name} :{port}", start.DotnetHost, [start.ServerDll, "--urls", BaseUrl], environment, start.Folder, start.LogPath);
    }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public Uri Url => new(BaseUrl);

    /// <summary>The SQLite file the server uses unless its settings name another database.</summary>
    public string DatabasePath { get; }

    public ChildProcess Process { get; }

    /// <summary>Starts the server and waits until <c>/healthz</c> answers 200.</summary>
    public static async Task<ServerProcess> StartAsync(ServerStart start)
    {
        ArgumentNullException.ThrowIfNull(start);
        Directory.CreateDirectory(start.Folder);
        var server = new ServerProcess(start, start.Port ?? FreePort.Next());
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

    public HttpClient CreateHttpClient() =>
        new(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The power cut: SIGKILL, no shutdown code, nothing flushed by the app.</summary>
    public Task KillAsync() => Process.KillAsync();

    /// <summary>Starts the process (again, on the same port and database) and waits until it is healthy.</summary>
    public async Task StartAgainAsync()
    {
        Process.Start();
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(5) };
        var last = "no answer yet";
        try
        {
            await Wait.UntilAsync(async () =>
            {
                if (Process.HasExited)
                {
                    throw new InvalidOperationException($"The server exited before it was healthy.\n{Process.RecentOutput()}");
                }

                try
                {
                    using var response = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
                    last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    last = ex.Message;
                    return false;
                }
            }, "/healthz to answer 200", (int)_start.StartTimeout.TotalSeconds);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} (last: {last}).\n{Process.RecentOutput()}", ex);
        }
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
