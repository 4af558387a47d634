using Console.Contracts.Deployments;

namespace Console.Projects.Git;

/// <summary>
/// What <c>cx deploy</c> and the wizard need to know of a project folder that is a git checkout:
/// its remote, its current branch, and whether the remote has everything (a worker cloning the
/// remote runs what was pushed, not what is on this disk).
/// </summary>
/// <param name="Remote">The address of the branch's remote (else <c>origin</c>), user info taken out.</param>
/// <param name="Branch">The checked-out branch; null on a detached head.</param>
/// <param name="Unpushed">Commits on the branch that its remote branch does not have; null when the remote has no such branch.</param>
/// <param name="Dirty">Whether the working tree has uncommitted changes.</param>
/// <param name="Subfolder">The project folder relative to the checkout's root ("." at the root).</param>
public sealed record GitCheckout(string Remote, string? Branch, int? Unpushed, bool Dirty, string Subfolder)
{
    /// <summary>The checkout of <paramref name="folder"/> with a remote, or null (not a checkout, no remote, no git).</summary>
    public static async Task<GitCheckout?> ReadAsync(string folder)
    {
        try
        {
            if (await GitCli.ReadAsync(folder, "rev-parse", "--show-toplevel") is not { } top)
            {
                return null;
            }

            var branch = await GitCli.ReadAsync(folder, "symbolic-ref", "--quiet", "--short", "HEAD");
            var remoteName = (branch is null ? null : await GitCli.ReadAsync(folder, "config", "--get", $"branch.{branch}.remote")) ?? "origin";
            if (await GitCli.ReadAsync(folder, "remote", "get-url", "--", remoteName) is not { } remote)
            {
                return null;
            }

            int? unpushed = null;
            if (branch is not null && await GitCli.ReadAsync(folder, "rev-parse", "--verify", "--quiet", $"refs/remotes/{remoteName}/{branch}") is not null
                && await GitCli.ReadAsync(folder, "rev-list", "--count", $"refs/remotes/{remoteName}/{branch}..HEAD") is { } count
                && int.TryParse(count, System.Globalization.CultureInfo.InvariantCulture, out var ahead))
            {
                unpushed = ahead;
            }

            var dirty = (await GitCli.RunAsync(folder, ["status", "--porcelain"], timeout: TimeSpan.FromSeconds(30))).Output.Trim().Length > 0;
            var relative = Path.GetRelativePath(Path.GetFullPath(top), Path.GetFullPath(folder)).Replace('\\', '/');
            return new GitCheckout(PullStepRules.Redact(remote), branch, unpushed, dirty, relative);
        }
        catch (GitException)
        {
            return null; // no git on this machine: the folder is used as it is
        }
    }

    /// <summary>
    /// Whether a worker cloning the remote gets exactly what is here: the remote is an address a
    /// server accepts (not a path on this machine, nor a relative one), the branch is on it with
    /// every commit, and nothing is left uncommitted.
    /// </summary>
    public bool IsPushed => IsCloneable && Branch is not null && Unpushed == 0 && !Dirty;

    /// <summary>Whether workers elsewhere can clone the remote: the address passes the server's pull-step rules with local paths refused.</summary>
    public bool IsCloneable
    {
        get
        {
            try
            {
                PullStepRules.Normalize([ToStep()], allowLocalRepositories: false);
                return true;
            }
            catch (Contracts.Common.UnprocessableException)
            {
                return false;
            }
        }
    }

    /// <summary>The step that clones this checkout's remote and branch, from the project's subfolder.</summary>
    public PullStepDto ToStep() => new()
    {
        GitClone = new GitCloneStep { Repository = Remote, Branch = Branch, Directory = Subfolder == "." ? null : Subfolder },
    };

    /// <summary>Why a clone would not run what is here, or null when it would.</summary>
    public string? Warning => !IsCloneable
        ? $"The remote '{Remote}' is a path on this machine (or not an address workers can use): runs cannot clone it."
        : Branch is null
        ? "The checkout is on a detached head: the clone takes the remote's default branch."
        : Unpushed is null
            ? $"Branch '{Branch}' is not on the remote yet: push it before a run clones it."
            : Unpushed > 0
                ? $"Branch '{Branch}' has {Unpushed} commit(s) the remote does not have: runs get what was pushed, so push first."
                : Dirty ? "The working tree has uncommitted changes: runs get what was pushed, not these." : null;
}
