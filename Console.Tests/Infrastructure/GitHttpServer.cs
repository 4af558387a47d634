using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Console.Tests.Infrastructure;

/// <summary>
/// A private git server over HTTP: <c>git http-backend</c> (git's own CGI) behind a small Kestrel on
/// loopback that asks for HTTP basic auth, serving the bare repositories of a <see cref="GitServer"/>.
/// </summary>
public sealed class GitHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GitHttpServer(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    /// <summary>How many requests came without (or with wrong) credentials.</summary>
    public int Refused { get; private set; }

    public string Url(string repository) => $"{BaseUrl}/{repository}.git";

    public static async Task<GitHttpServer> StartAsync(string root, string username, string password)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        GitHttpServer? server = null;
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}"));
        app.Run(async context =>
        {
            if (context.Request.Headers.Authorization.ToString() != expected)
            {
                server!.Refused++;
                context.Response.StatusCode = (int)HttpStatusCode.Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"git\"";
                return;
            }

            await CgiAsync(context, root, username);
        });
        await app.StartAsync();
        server = new GitHttpServer(app, app.Urls.First().TrimEnd('/'));
        return server;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>Runs git http-backend for one request (RFC 3875: the request in variables and stdin, headers then body on stdout).</summary>
    private static async Task CgiAsync(HttpContext context, string root, string user)
    {
        var request = context.Request;
        var start = new ProcessStartInfo("git", "http-backend")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment["GIT_PROJECT_ROOT"] = root;
        start.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
        start.Environment["REMOTE_USER"] = user;
        start.Environment["REQUEST_METHOD"] = request.Method;
        start.Environment["PATH_INFO"] = request.Path.Value;
        start.Environment["QUERY_STRING"] = request.QueryString.HasValue ? request.QueryString.Value![1..] : string.Empty;
        start.Environment["CONTENT_TYPE"] = request.ContentType ?? string.Empty;
        start.Environment["HTTP_CONTENT_ENCODING"] = request.Headers.ContentEncoding.ToString();
        start.Environment["GIT_PROTOCOL"] = request.Headers["Git-Protocol"].ToString();
        using var git = Process.Start(start)!;
        var body = request.Body.CopyToAsync(git.StandardInput.BaseStream).ContinueWith(_ => git.StandardInput.Close(), TaskScheduler.Default);
        var output = git.StandardOutput.BaseStream;

        // Headers up to the blank line, byte by byte (the body after them is binary).
        var header = new List<byte>();
        while (true)
        {
            var b = output.ReadByte();
            if (b < 0)
            {
                break;
            }

            header.Add((byte)b);
            var n = header.Count;
            if (n >= 2 && header[n - 1] == '\n' && (header[n - 2] == '\n' || (n >= 4 && header[n - 2] == '\r' && header[n - 3] == '\n')))
            {
                break;
            }
        }

        foreach (var line in Encoding.ASCII.GetString([.. header]).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var (name, value) = (line[..colon].Trim(), line[(colon + 1)..].Trim());
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.StatusCode = int.Parse(value.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                context.Response.Headers[name] = value;
            }
        }

        await output.CopyToAsync(context.Response.Body);
        await body;
        await git.WaitForExitAsync();
    }
}
