using Console.Testing;

namespace Console.Bench.Infra;

/// <summary>
/// The real server (Console.Web.dll, <see cref="ServerProcess"/>) on a free loopback port with its
/// own SQLite file in a temporary folder, or its own PostgreSQL database (--database postgres, see
/// <see cref="BenchDatabase"/>). Production environment and the product's appsettings.json, the
/// embedded worker off (the benchmarks bring their own workers).
/// </summary>
internal sealed class BenchServer : IAsyncDisposable
{
    private readonly ServerProcess _server;
    private readonly BenchOptions _options;
    private bool _keepDatabase;

    private BenchServer(ServerProcess server, BenchOptions options, string folder, string? postgresDatabase, Uri? http2Url)
    {
        _server = server;
        _options = options;
        Folder = folder;
        PostgresDatabase = postgresDatabase;
        Http2Url = http2Url;
    }

    public Uri Url => _server.Url;

    /// <summary>A second endpoint that speaks cleartext HTTP/2 only (h2c, prior knowledge), when asked for; else null.</summary>
    public Uri? Http2Url { get; }

    public string Folder { get; }

    public string DatabasePath => _server.DatabasePath;

    /// <summary>The server's PostgreSQL database (--database postgres), else null.</summary>
    public string? PostgresDatabase { get; }

    /// <summary>Leaves the PostgreSQL database in place when the server ends (e.g. as a template).</summary>
    public void KeepDatabase() => _keepDatabase = true;

    public string LogPath => Path.Combine(Folder, "server.log");

    public int Pid => _server.Process.Id;

    /// <param name="databaseFile">SQLite: a database file to start from (copied).</param>
    /// <param name="postgresTemplate">PostgreSQL: a database to start from (copied with CREATE DATABASE ... TEMPLATE).</param>
    /// <param name="http2Endpoint">Also listen for cleartext HTTP/2 on a second port (<see cref="Http2Url"/>): many simulated
    /// workers multiplexed over a few connections, where one socket each would pass the open-files limit.</param>
    /// <param name="appHost">A published console's own executable (<see cref="PublishedConsole"/>) instead of the built Console.Web.dll.</param>
    public static async Task<BenchServer> StartAsync(BenchOptions options, string name, IReadOnlyDictionary<string, string?>? extraEnv = null,
        string? databaseFile = null, string? postgresTemplate = null, bool http2Endpoint = false, string? appHost = null)
    {
        var folder = Path.Combine(options.WorkFolder, $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)]);
        Directory.CreateDirectory(folder);
        if (databaseFile is not null)
        {
            File.Copy(databaseFile, Path.Combine(folder, "console.db"));
        }

        var env = new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Production" };
        string? postgres = null;
        if (BenchDatabase.IsPostgres(options))
        {
            postgres = BenchDatabase.NewPostgresName(name);
            if (postgresTemplate is not null)
            {
                BenchDatabase.CreatePostgres(options, postgres, postgresTemplate);
            }

            // Without a template the server's start-up migrations create the database.
            env["Database__Provider"] = "Postgres";
            env["ConnectionStrings__Console"] = BenchDatabase.Postgres(options, postgres, pooling: true);
        }

        foreach (var (k, v) in extraEnv ?? new Dictionary<string, string?>())
        {
            env[k] = v;
        }

        // --server-env "K=V;K2=V2": experiments with runtime or product settings, printed with the results.
        foreach (var pair in (options.Get("server-env") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            env[pair[..eq]] = pair[(eq + 1)..];
        }

        // Kestrel:Endpoints replace --urls, so the usual HTTP/1.1 address is named there too. Kestrel
        // speaks HTTP/2 without TLS only on an endpoint that speaks nothing else.
        int? port = null;
        Uri? http2Url = null;
        if (http2Endpoint)
        {
            port = FreePort.Next();
            http2Url = new Uri($"http://127.0.0.1:{FreePort.Next()}");
            env["Kestrel__Endpoints__Api__Url"] = $"http://127.0.0.1:{port}";
            env["Kestrel__Endpoints__Fleet__Url"] = http2Url.ToString();
            env["Kestrel__Endpoints__Fleet__Protocols"] = "Http2";
        }

        var t0 = Clock.Now;
        var server = await ServerProcess.StartAsync(new ServerStart(appHost is null ? Repo.WebDll(options.ServerDll) : appHost + ".dll", folder)
        {
            AppHost = appHost,
            Name = $"server {name}",
            Settings = env,
            LogPath = Path.Combine(folder, "server.log"),
            Port = port,
        });
        Out.Step($"server {name} up on {server.Url}{(http2Url is null ? "" : $" and {http2Url} (HTTP/2 only)")} in {Clock.MsSince(t0) / 1000:F1} s (pid {server.Process.Id})");
        return new BenchServer(server, options, folder, postgres, http2Url);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        if (PostgresDatabase is { } database && !_keepDatabase && !_options.Keep)
        {
            BenchDatabase.DropPostgres(_options, database);
        }
    }
}
