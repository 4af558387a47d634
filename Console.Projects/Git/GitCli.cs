using System.Text;
using CliWrap;
using CliWrap.Buffered;

namespace Console.Projects.Git;

/// <summary>What one git command said.</summary>
public sealed record GitResult(int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>git's own words for a failure: its last error lines (hints dropped).</summary>
    public string Message
    {
        get
        {
            var lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => !l.StartsWith("hint:", StringComparison.Ordinal))
                .TakeLast(4)
                .ToList();
            return lines.Count > 0 ? string.Join(" ", lines) : $"git exited with code {ExitCode}";
        }
    }
}

/// <summary>The git command line (arguments passed as a list, never through a shell; never waits for a password).</summary>
public static class GitCli
{
    /// <summary>Runs <c>git</c> with <paramref name="arguments"/>; a missing git or a timeout is a <see cref="GitException"/>.</summary>
    /// <param name="environment">Extra variables (e.g. <c>GIT_CONFIG_*</c> carrying an auth header, so no credential is on the command line).</param>
    public static async Task<GitResult> RunAsync(string? workingDirectory, IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? TimeSpan.FromMinutes(10));
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["GIT_ASKPASS"] = "true",
            ["SSH_ASKPASS"] = "true",
            ["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes",
            ["LC_ALL"] = "C",
            // Never ext:: or fd:: (they run commands): the addresses pull steps may name, nothing else.
            ["GIT_ALLOW_PROTOCOL"] = "http:https:git:ssh:file",
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }

        try
        {
            var result = await Cli.Wrap("git")
                .WithArguments(arguments)
                .WithWorkingDirectory(workingDirectory ?? Environment.CurrentDirectory)
                .WithEnvironmentVariables(env)
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(Encoding.UTF8, limit.Token);
            return new GitResult(result.ExitCode, result.StandardOutput, result.StandardError);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new GitException($"git {(arguments.Count > 0 ? arguments[0] : string.Empty)} took longer than {(timeout ?? TimeSpan.FromMinutes(10)).TotalSeconds:0} s and was stopped.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new GitException($"git is not installed on this machine (or not on PATH): {ex.Message}");
        }
    }

    /// <summary>The first line git printed, or null when the command failed.</summary>
    public static async Task<string?> ReadAsync(string workingDirectory, params string[] arguments)
    {
        var result = await RunAsync(workingDirectory, arguments, timeout: TimeSpan.FromSeconds(30));
        return result.Succeeded ? result.Output.Split('\n')[0].Trim() is { Length: > 0 } line ? line : null : null;
    }
}

/// <summary>A git command failed; the message is safe to show (credentials already removed).</summary>
public sealed class GitException(string message) : Exception(message);
