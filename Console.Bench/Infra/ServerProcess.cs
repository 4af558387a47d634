using System.Net;
using System.Net.Sockets;

namespace Console.Bench.Infra;

/// <summary>
/// The real server (Console.Web.dll) as a child process on a free loopback port with its own
/// SQLite file in a temporary folder, or its own PostgreSQL database (--database postgres, see
/// <see cref="BenchDatabase"/>). Production environment and the product's appsettings.json, the
/// embedded worker off (the benchmarks bring their own workers).
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly ChildProcess _child;
    private readonly BenchOptions _options;
    private bool _keepDatabase;

    private ServerProcess(ChildProcess child, BenchOptions options, string folder, Uri url, string? postgresDatabase)
    {
        _child = child;
        _options = options;
        Folder = folder;
        Url = url;
        PostgresDatabase = postgresDatabase;
    }

    public Uri Url { get; }

    public string Folder { get; }

    public string DatabasePath => Path.Combine(Folder, "console.db");

    /// <summary>The server's PostgreSQL database (--database postgres), else null.</summary>
    public string? PostgresDatabase { get; }

    /// <summary>Leaves the PostgreSQL database in place when the server ends (e.g. as a template).</summary>
    public void KeepDatabase() => _keepDatabase = true;

    public string LogPath => Path.Combine(Folder, "server.log");

    public int Pid => _child.Pid;

    public string LogTail() => _child.Tail();

    /// <param name="databaseFile">SQLite: a database file to start from (copied).</param>
    /// <param name="postgresTemplate">PostgreSQL: a database to start from (copied with CREATE DATABASE ... TEMPLATE).</param>
    public static async Task<ServerProcess> StartAsync(BenchOptions options, string name, IReadOnlyDictionary<string, string?>? extraEnv = null, string? databaseFile = null, string? postgresTemplate = null)
    {
        var folder = Path.Combine(options.WorkFolder, $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)]);
        Directory.CreateDirectory(folder);
        var db = Path.Combine(folder, "console.db");
        if (databaseFile is not null)
        {
            File.Copy(databaseFile, db);
        }

        var port = FreePort();
        var url = new Uri($"http://127.0.0.1:{port}");
        var env = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Console"] = $"Data Source={db}",
            ["Worker__Enabled"] = "false",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = null,
        };
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

        var dll = Repo.WebDll(options.ServerDll);
        var child = ChildProcess.Start("dotnet", [dll, "--urls", url.ToString().TrimEnd('/')], env, Path.Combine(folder, "server.log"));
        var server = new ServerProcess(child, options, folder, url, postgres);
        var t0 = Clock.Now;
        try
        {
            await server.WaitHealthyAsync(TimeSpan.FromSeconds(90));
            Out.Step($"server {name} up on {url} in {Clock.MsSince(t0) / 1000:F1} s (pid {child.Pid})");
        }
        catch
        {
            Out.Error(child.Tail());
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Clock.Now + (long)(timeout.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        while (Clock.Now < deadline)
        {
            if (_child.HasExited)
            {
                throw new InvalidOperationException($"The server exited at start; its log ends:\n{_child.Tail()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(Url, "/healthz"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The server did not answer /healthz within {timeout.TotalSeconds:F0} s");
    }

    public void KillHard() => _child.KillHard();

    public async ValueTask DisposeAsync()
    {
        await _child.DisposeAsync();
        if (PostgresDatabase is { } database && !_keepDatabase && !_options.Keep)
        {
            BenchDatabase.DropPostgres(_options, database);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
