using System.Text.RegularExpressions;
using Console.Contracts.Common;

namespace Console.Contracts.Deployments;

/// <summary>
/// Checks and normalises a deployment's pull steps (the server on save, the worker again before it
/// runs git): a repository is an http(s), git or ssh address (a local path only where the server
/// allows it), names and folders are bounded, and no folder leaves the checkout with <c>..</c>.
/// Errors name the field, e.g. <c>pullSteps[0].gitClone.repository</c>.
/// </summary>
public static partial class PullStepRules
{
    public const int MaxSteps = 10;
    public const int MaxRepositoryLength = 2048;
    public const int MaxPathLength = 1024;

    [GeneratedRegex(@"^[0-9a-f]{7,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Sha();

    // scp-like ssh: user@host:path (no scheme, no '//').
    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}@[A-Za-z0-9.-]{1,253}:[^:\s][^\s]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex ScpLike();

    /// <summary>Returns the steps normalised; throws <see cref="UnprocessableException"/> naming the first bad fields.</summary>
    public static IReadOnlyList<PullStepDto> Normalize(IReadOnlyList<PullStepDto>? steps, bool allowLocalRepositories, string field = "pullSteps")
    {
        if (steps is null || steps.Count == 0)
        {
            return [];
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (steps.Count > MaxSteps)
        {
            throw new UnprocessableException(field, $"A deployment has at most {MaxSteps} pull steps.");
        }

        var result = new List<PullStepDto>(steps.Count);
        var clones = 0;
        for (var i = 0; i < steps.Count; i++)
        {
            var at = $"{field}[{i}]";
            var step = steps[i];
            if (step is null || (step.GitClone is null) == (step.SetWorkingDirectory is null))
            {
                errors[at] = ["Each pull step is exactly one of {\"gitClone\": {...}} or {\"setWorkingDirectory\": {...}}."];
                continue;
            }

            if (step.GitClone is { } clone)
            {
                if (++clones > 1)
                {
                    errors[$"{at}.gitClone"] = ["A deployment has at most one gitClone step: the flow runs from one checkout."];
                    continue;
                }

                result.Add(new PullStepDto { GitClone = NormalizeClone(clone, allowLocalRepositories, $"{at}.gitClone", errors) });
            }
            else
            {
                var directory = Folder(step.SetWorkingDirectory!.Directory, $"{at}.setWorkingDirectory.directory", allowAbsolute: clones == 0, required: true, errors);
                result.Add(new PullStepDto { SetWorkingDirectory = new SetWorkingDirectoryStep { Directory = directory } });
            }
        }

        if (errors.Count > 0)
        {
            throw new UnprocessableException("The pull steps cannot be used.", errors);
        }

        return result;
    }

    /// <summary>A repository address with any user name and password taken out, for messages and logs.</summary>
    public static string Redact(string repository)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return Uri.TryCreate(repository, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? repository.Replace(uri.UserInfo + "@", string.Empty, StringComparison.Ordinal)
            : repository;
    }

    /// <summary>Whether the repository names a folder or <c>file://</c> address on the worker's machine.</summary>
    public static bool IsLocal(string repository)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return repository.StartsWith('/') || repository.StartsWith("file://", StringComparison.OrdinalIgnoreCase);
    }

    private static GitCloneStep NormalizeClone(GitCloneStep clone, bool allowLocal, string at, Dictionary<string, string[]> errors)
    {
        var repository = clone.Repository?.Trim();
        if (string.IsNullOrEmpty(repository))
        {
            errors[$"{at}.repository"] = ["A repository address is required, e.g. https://github.com/owner/name.git."];
        }
        else if (RepositoryProblem(repository, allowLocal) is { } problem)
        {
            errors[$"{at}.repository"] = [problem];
        }

        var branch = clone.Branch?.Trim();
        if (branch is { Length: 0 })
        {
            branch = null;
        }

        if (branch is not null)
        {
            branch = branch.StartsWith("refs/heads/", StringComparison.Ordinal) ? branch["refs/heads/".Length..] : branch;
            if (!IsBranchName(branch))
            {
                errors[$"{at}.branch"] = [$"'{Printable(branch)}' is not a branch name (git's rules: no spaces, '..', '~^:?*[\\', leading '-' or '/', at most 255 characters)."];
            }
        }

        var sha = clone.CommitSha?.Trim().ToLowerInvariant();
        if (sha is { Length: 0 })
        {
            sha = null;
        }

        if (sha is not null && !Sha().IsMatch(sha))
        {
            errors[$"{at}.commitSha"] = ["A commit is 7 to 64 hexadecimal digits."];
        }

        var secret = clone.CredentialsSecret?.Trim();
        if (secret is { Length: 0 })
        {
            secret = null;
        }

        if (secret is not null && !Names.IsValid(secret))
        {
            errors[$"{at}.credentialsSecret"] = [$"'{Printable(secret)}' is not a secret name: use 1-63 lowercase letters, digits, and inner '-' or '_'."];
        }

        var directory = Folder(clone.Directory, $"{at}.directory", allowAbsolute: false, required: false, errors);
        return new GitCloneStep { Repository = repository, Branch = branch, CommitSha = sha, CredentialsSecret = secret, Directory = directory };
    }

    private static string? RepositoryProblem(string repository, bool allowLocal)
    {
        if (repository.Length > MaxRepositoryLength || repository.Any(char.IsControl) || repository.Any(char.IsWhiteSpace))
        {
            return $"A repository address has no spaces or control characters and at most {MaxRepositoryLength} characters.";
        }

        if (repository.StartsWith('-'))
        {
            return "A repository address cannot start with '-'.";
        }

        if (IsLocal(repository))
        {
            return allowLocal
                ? repository.Split('/').Contains("..") ? "A local repository path cannot contain '..'." : null
                : "Local repository paths are not allowed on this server (Deployments:AllowLocalRepositories); use an http(s), git or ssh address.";
        }

        if (ScpLike().IsMatch(repository))
        {
            return null;
        }

        if (!Uri.TryCreate(repository, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http" or "git" or "ssh") || uri.Host.Length == 0)
        {
            return "The repository must be an https://, http://, git:// or ssh:// address (or user@host:path).";
        }

        // ssh names its user in the address (git@host); anywhere else user info is a token or a password.
        return (uri.Scheme != "ssh" && uri.UserInfo.Length > 0) || uri.UserInfo.Contains(':', StringComparison.Ordinal)
            ? "Put no credentials in the address (they would be stored and shown with the deployment): name a secret in credentialsSecret instead."
            : null;
    }

    /// <summary>A folder normalised to forward slashes without '.', repeated or trailing slashes; '..' may not leave its base.</summary>
    private static string? Folder(string? value, string at, bool allowAbsolute, bool required, Dictionary<string, string[]> errors)
    {
        var text = value?.Trim().Replace('\\', '/');
        if (string.IsNullOrEmpty(text))
        {
            if (required)
            {
                errors[at] = ["A directory is required."];
            }

            return null;
        }

        if (text.Length > MaxPathLength || text.Any(char.IsControl))
        {
            errors[at] = [$"A directory has no control characters and at most {MaxPathLength} characters."];
            return null;
        }

        var absolute = text.StartsWith('/');
        if (absolute && !allowAbsolute)
        {
            errors[at] = ["Use a folder relative to the checkout (an absolute path would leave it)."];
            return null;
        }

        var parts = new List<string>();
        foreach (var part in text.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    errors[at] = ["'..' may not leave the checkout (or the folder the path starts from)."];
                    return null;
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        var joined = string.Join('/', parts);
        return absolute ? "/" + joined : joined.Length == 0 ? "." : joined;
    }

    private static bool IsBranchName(string name) =>
        name.Length is > 0 and <= 255
        && !name.StartsWith('-') && !name.StartsWith('/') && !name.EndsWith('/') && !name.EndsWith('.')
        && !name.EndsWith(".lock", StringComparison.Ordinal)
        && !name.Contains("..", StringComparison.Ordinal) && !name.Contains("//", StringComparison.Ordinal)
        && !name.Contains("@{", StringComparison.Ordinal) && name != "@"
        && !name.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '~' or '^' or ':' or '?' or '*' or '[' or '\\')
        && !name.Split('/').Any(p => p.StartsWith('.'));

    private static string Printable(string text) => new([.. text.Take(64).Select(c => char.IsControl(c) ? '?' : c)]);
}
