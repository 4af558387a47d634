using System.Net.Sockets;
using Console.Projects.Git;
using Console.Testing;

namespace Console.Tests.Infrastructure;

/// <summary>
/// A real git server on loopback (<c>git daemon</c>) serving bare repositories from a temp folder,
/// and a working clone per repository to commit and push to them as a developer would.
/// </summary>
public sealed class GitServer : IAsyncDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("console-git-");
    private readonly ChildProcess _daemon;

    private GitServer(int port)
    {
        Port = port;
        Directory.CreateDirectory(Served);
        _daemon = new ChildProcess("git-daemon", "git",
            ["daemon", "--export-all", "--reuseaddr", $"--base-path={Served}", "--listen=127.0.0.1", $"--port={port}", Served],
            new Dictionary<string, string?>());
    }

    public int Port { get; }

    /// <summary>The folder of the bare repositories (what an HTTP front serves too).</summary>
    public string Served => Path.Combine(_root.FullName, "served");

    public static async Task<GitServer> StartAsync()
    {
        var server = new GitServer(FreePort.Next());
        server._daemon.Start();
        await Wait.UntilAsync(() => server.Listening(), "git daemon to listen");
        return server;
    }

    /// <summary>The address workers clone from.</summary>
    public string Url(string repository) => $"git://127.0.0.1:{Port}/{repository}.git";

    /// <summary>Creates a bare repository with a first commit of <paramref name="files"/> on <c>main</c>; returns the commit.</summary>
    public async Task<string> CreateAsync(string repository, IReadOnlyDictionary<string, string> files)
    {
        var bare = Path.Combine(Served, repository + ".git");
        await GitAsync(null, "init", "--bare", "--quiet", "--initial-branch=main", bare);
        var work = WorkOf(repository);
        await GitAsync(null, "clone", "--quiet", bare, work);
        await GitAsync(work, "checkout", "--quiet", "-B", "main");
        return await CommitAsync(repository, files, "first");
    }

    /// <summary>Commits <paramref name="files"/> in the working clone and pushes it to <paramref name="branch"/>; returns the commit.</summary>
    public async Task<string> CommitAsync(string repository, IReadOnlyDictionary<string, string> files, string message, string branch = "main")
    {
        var work = WorkOf(repository);
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(work, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, text);
        }

        await GitAsync(work, "add", "--all");
        await GitAsync(work, "-c", "user.name=Test", "-c", "user.email=test@example.org", "commit", "--quiet", "-m", message);
        await GitAsync(work, "push", "--quiet", "origin", $"HEAD:refs/heads/{branch}");
        return (await GitAsync(work, "rev-parse", "HEAD")).Trim();
    }

    public async ValueTask DisposeAsync()
    {
        await _daemon.DisposeAsync();
        _root.Delete(recursive: true);
    }

    private string WorkOf(string repository) => Path.Combine(_root.FullName, "work", repository);

    /// <summary>Runs git in <paramref name="directory"/>; its output, or an exception with git's message.</summary>
    public static async Task<string> GitAsync(string? directory, params string[] arguments)
    {
        var result = await GitCli.RunAsync(directory, arguments, timeout: TimeSpan.FromMinutes(1));
        return result.Succeeded ? result.Output : throw new InvalidOperationException($"git {string.Join(' ', arguments)}: {result.Message}");
    }

    private bool Listening()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
