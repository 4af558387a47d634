using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Console.Contracts.Deployments;
using Console.Projects.Git;

namespace Console.Worker.Pull;

/// <summary>Credentials for one repository (HTTP basic auth; a token goes in as the password).</summary>
public sealed record GitCredentials(string Username, string Password);

/// <summary>
/// One bare mirror per repository under the worker's state folder (<c>git/mirrors</c>), fetched on
/// each run, and a detached worktree per run (<c>git/checkouts/&lt;run id&gt;</c>) removed after it:
/// a second run fetches what changed instead of cloning again. Work on one mirror is serialised
/// (git's lock files would refuse a concurrent fetch). Uses the git CLI (docs/decisions/0009-git-pull-steps.md).
/// </summary>
public sealed class GitMirrors(string root, TimeSpan timeout)
{
    private const string DefaultRef = "refs/console/default";
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    public string Root => root;

    public string CheckoutOf(Guid runId) => Path.Combine(root, "checkouts", runId.ToString("n"));

    /// <summary>Fetches the repository into its mirror and checks the commit out for the run; returns the checkout and its commit.</summary>
    /// <exception cref="GitException">git failed; the message has no credential in it.</exception>
    public async Task<(string Checkout, string Revision)> CheckoutAsync(Guid runId, GitCloneStep step, GitCredentials? credentials,
        Action<string> log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(log);
        var repository = step.Repository ?? throw new GitException("The gitClone step names no repository.");
        var shown = PullStepRules.Redact(repository);
        var mirror = MirrorOf(repository);
        var gate = _locks.GetOrAdd(mirror, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var env = Environment(credentials);
            var secrets = Secrets(repository, credentials);
            var reused = File.Exists(Path.Combine(mirror, "HEAD"));
            if (!reused)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(mirror)!);
                await RunAsync(null, ["init", "--bare", "--quiet", mirror], env, secrets, cancellationToken);
            }

            var revision = step.CommitSha is { } pinned && reused ? await ResolveAsync(mirror, $"{pinned}^{{commit}}", env, secrets, cancellationToken) : null;
            if (revision is null)
            {
                log(reused
                    ? $"Fetching {shown} into the worker's mirror (reused: only what changed is transferred)"
                    : $"Cloning {shown} into a new mirror on the worker");
                // HEAD only when the step names neither a branch nor a commit: a remote whose HEAD
                // points to a branch that was never pushed (a bare repository made with another
                // default) refuses a fetch of HEAD, and a named branch must not depend on it.
                string[] refspecs = step.Branch is null && step.CommitSha is null
                    ? ["+refs/heads/*:refs/heads/*", $"+HEAD:{DefaultRef}"]
                    : ["+refs/heads/*:refs/heads/*"];
                await RunAsync(mirror, ["fetch", "--prune", "--no-tags", "--quiet", "--", repository, .. refspecs], env, secrets, cancellationToken);
                revision = step.CommitSha is { } sha
                    ? await ResolveAsync(mirror, $"{sha}^{{commit}}", env, secrets, cancellationToken)
                        ?? throw new GitException($"Commit {sha} is not on any branch of {shown}.")
                    : await ResolveAsync(mirror, step.Branch is { } branch ? $"refs/heads/{branch}^{{commit}}" : $"{DefaultRef}^{{commit}}", env, secrets, cancellationToken)
                        ?? throw new GitException(step.Branch is { } missing ? $"Branch '{missing}' does not exist in {shown}." : $"{shown} has no default branch.");
            }
            else
            {
                log($"Commit {revision[..12]} is already in the worker's mirror of {shown}: nothing to fetch");
            }

            var checkout = CheckoutOf(runId);
            await RemoveLockedAsync(mirror, checkout, cancellationToken);
            Directory.CreateDirectory(Path.GetDirectoryName(checkout)!);
            await RunAsync(mirror, ["worktree", "add", "--detach", "--force", "--quiet", checkout, revision], env, secrets, cancellationToken);
            log($"Checked out {shown} at {revision[..12]}{(step.Branch is { } b && step.CommitSha is null ? $" (head of {b})" : string.Empty)}");
            return (checkout, revision);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Removes a run's checkout (and its worktree entry in the mirror); nothing when there is none.</summary>
    public async Task RemoveCheckoutAsync(Guid runId, CancellationToken cancellationToken)
    {
        var checkout = CheckoutOf(runId);
        var gitFile = Path.Combine(checkout, ".git");
        if (!File.Exists(gitFile))
        {
            DeleteQuietly(checkout);
            return;
        }

        // The worktree's .git file names its mirror: "gitdir: <mirror>/worktrees/<name>".
        var line = (await File.ReadAllTextAsync(gitFile, cancellationToken)).Trim();
        var worktreeDir = line.StartsWith("gitdir:", StringComparison.Ordinal) ? line["gitdir:".Length..].Trim() : null;
        var mirror = worktreeDir is null ? null : Path.GetDirectoryName(Path.GetDirectoryName(worktreeDir));
        if (mirror is null || !mirror.StartsWith(root, StringComparison.Ordinal))
        {
            DeleteQuietly(checkout);
            return;
        }

        var gate = _locks.GetOrAdd(mirror, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            await RemoveLockedAsync(mirror, checkout, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The mirror's folder: a readable name plus a hash of the exact address, so two addresses never share one.</summary>
    internal string MirrorOf(string repository)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(repository)))[..16];
        var tail = PullStepRules.Redact(repository).TrimEnd('/');
        tail = tail[(tail.LastIndexOfAny(['/', ':']) + 1)..];
        tail = tail.EndsWith(".git", StringComparison.Ordinal) ? tail[..^4] : tail;
        var readable = new string([.. tail.Take(40).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);
        return Path.Combine(root, "mirrors", $"{(readable.Length > 0 ? readable : "repo")}-{hash}.git");
    }

    private static async Task RemoveLockedAsync(string mirror, string checkout, CancellationToken cancellationToken)
    {
        if (Directory.Exists(checkout))
        {
            await GitCli.RunAsync(mirror, ["worktree", "remove", "--force", "--force", checkout], cancellationToken: cancellationToken);
            DeleteQuietly(checkout);
        }

        await GitCli.RunAsync(mirror, ["worktree", "prune"], cancellationToken: cancellationToken);
    }

    private async Task<string?> ResolveAsync(string mirror, string rev, IReadOnlyDictionary<string, string> env, IReadOnlyList<string> secrets, CancellationToken cancellationToken)
    {
        var result = await GitCli.RunAsync(mirror, ["rev-parse", "--verify", "--quiet", "--end-of-options", rev], env, timeout, cancellationToken);
        return result.Succeeded && result.Output.Trim() is { Length: >= 40 } sha ? sha : null;
    }

    private async Task RunAsync(string? directory, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> env,
        IReadOnlyList<string> secrets, CancellationToken cancellationToken)
    {
        GitResult result;
        try
        {
            result = await GitCli.RunAsync(directory, arguments, env, timeout, cancellationToken);
        }
        catch (GitException ex)
        {
            throw new GitException(Scrub(ex.Message, secrets));
        }

        if (!result.Succeeded)
        {
            throw new GitException(Scrub($"git {arguments[0]} failed: {result.Message}", secrets));
        }
    }

    /// <summary>The auth header goes to git through its environment (<c>GIT_CONFIG_*</c>), never its command line.</summary>
    private static Dictionary<string, string> Environment(GitCredentials? credentials)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal) { ["GIT_CONFIG_COUNT"] = "0" };
        if (credentials is not null)
        {
            env["GIT_CONFIG_COUNT"] = "1";
            env["GIT_CONFIG_KEY_0"] = "http.extraHeader";
            env["GIT_CONFIG_VALUE_0"] = "Authorization: Basic " + BasicToken(credentials);
        }

        return env;
    }

    private static string BasicToken(GitCredentials credentials) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}"));

    /// <summary>What may never reach a message: the password, the basic token, any user info in the address.</summary>
    private static List<string> Secrets(string repository, GitCredentials? credentials)
    {
        var secrets = new List<string>();
        if (credentials is not null)
        {
            secrets.Add(BasicToken(credentials));
            if (credentials.Password.Length > 0)
            {
                secrets.Add(credentials.Password);
            }
        }

        if (Uri.TryCreate(repository, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0)
        {
            secrets.Add(uri.UserInfo);
        }

        return secrets;
    }

    internal static string Scrub(string message, IEnumerable<string> secrets)
    {
        var text = message;
        foreach (var secret in secrets.Where(s => s.Length > 0).OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, "****", StringComparison.Ordinal);
        }

        // An address git echoes back may carry user info the step did not (e.g. from a redirect).
        return System.Text.RegularExpressions.Regex.Replace(text, @"(?<=://)[^/@\s]+@", "****@",
            System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    private static void DeleteQuietly(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file a container left owned by another user: the next run's checkout of this id is unlikely; prune says it is gone.
        }
    }
}
