using System.Globalization;
using System.Net;
using Console.Testing;
using Console.Tests.Faults;

namespace Console.Tests.ScaleOut;

/// <summary>
/// A real HAProxy (the Debian package) on a free loopback port, running the configuration that
/// docs/deploy.md ships, as written: only its <c>bind</c> and the two replicas' addresses are
/// replaced with the test's.
/// </summary>
public sealed class Haproxy : IAsyncDisposable
{
    public const string BinaryPath = "/usr/sbin/haproxy";
    private readonly ChildProcess _process;
    private readonly string _folder;

    private Haproxy(ChildProcess process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Url = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    public string Url { get; }

    /// <summary>Its log (requests, health check changes), for failure messages.</summary>
    public string RecentOutput() => _process.RecentOutput();

    /// <summary>The <c>haproxy</c> block of docs/deploy.md.</summary>
    public static string DocumentedConfiguration()
    {
        var doc = File.ReadAllText(Path.Combine(BuiltApps.RepositoryRoot, "docs", "deploy.md"));
        const string open = "```haproxy\n";
        var start = doc.IndexOf(open, StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/deploy.md has no ```haproxy block");
        start += open.Length;
        var end = doc.IndexOf("\n```", start, StringComparison.Ordinal);
        return doc[start..end] + "\n";
    }

    public static async Task<Haproxy> StartAsync(string replica1, string replica2)
    {
        if (!File.Exists(BinaryPath))
        {
            throw new InvalidOperationException($"haproxy not found at {BinaryPath}: run scripts/test.sh, which installs the Debian package 'haproxy'");
        }

        var port = FreePort.Next();
        var config = DocumentedConfiguration();
        foreach (var (from, to) in new[] { ("bind :80", $"bind 127.0.0.1:{port}"), ("console-1:8080", HostPort(replica1)), ("console-2:8080", HostPort(replica2)) })
        {
            Assert.Contains(from, config, StringComparison.Ordinal);
            config = config.Replace(from, to, StringComparison.Ordinal);
        }

        var folder = Directory.CreateTempSubdirectory("console-haproxy-").FullName;
        var file = Path.Combine(folder, "console.cfg");
        await File.WriteAllTextAsync(file, config);
        var process = ChildProcess.Run("haproxy", BinaryPath, ["-f", file, "-db"], new Dictionary<string, string?>(), folder);
        var balancer = new Haproxy(process, folder, port);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        await Wait.UntilAsync(async () =>
        {
            Assert.False(process.HasExited, $"haproxy exited:\n{process.RecentOutput()}");
            try
            {
                using var response = await http.GetAsync(new Uri(balancer.Url + "/healthz"));
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "HAProxy to answer /healthz", 30);
        return balancer;
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private static string HostPort(string url) => new Uri(url).Authority;
}
