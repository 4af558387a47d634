using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Deployments;
using Console.Projects.Git;
using Console.Worker.Infrastructure;

namespace Console.Worker.Pull;

/// <summary>A pull step failed; the message (git's, credentials removed) ends the run Crashed.</summary>
public sealed class PullStepException(string message) : Exception(message);

/// <summary>Runs a claimed run's pull steps, in order, before its infrastructure starts.</summary>
public sealed class PullStepRunner(GitMirrors mirrors, Microsoft.Extensions.Options.IOptions<WorkerOptions> options)
{
    /// <summary>The steps' result, or null when the run has none.</summary>
    public async Task<PulledCode?> RunAsync(FlowRunDto run, ILogSink logs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(logs);
        if (run.PullSteps is not { Count: > 0 })
        {
            return null;
        }

        IReadOnlyList<PullStepDto> steps;
        try
        {
            // The server checked them on save; the worker checks again, as the last one to see what runs.
            steps = PullStepRules.Normalize(run.PullSteps, allowLocalRepositories: true);
        }
        catch (UnprocessableException ex)
        {
            throw new PullStepException($"The pull steps cannot be used: {string.Join(" ", ex.Errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")))}");
        }

        string? checkout = null;
        string? revision = null;
        var directory = ".";
        foreach (var step in steps)
        {
            if (step.GitClone is { } clone)
            {
                try
                {
                    (checkout, revision) = await mirrors.CheckoutAsync(run.Id, clone, CredentialsOf(clone, run.Secrets), m => logs.Write("worker", m), cancellationToken);
                }
                catch (GitException ex)
                {
                    throw new PullStepException($"Could not get the flow's code: {ex.Message}");
                }

                directory = clone.Directory ?? ".";
                try
                {
                    // Containers get the checkout bound read-only: it must be the worker's own, away from the host's system folders.
                    Contracts.Security.JobSecurityPolicy.CheckWorkerBind(checkout, mirrors.Root, options.Value.Host);
                }
                catch (UnprocessableException ex)
                {
                    throw new PullStepException(ex.Message);
                }
            }
            else if (step.SetWorkingDirectory?.Directory is { } next)
            {
                directory = next.StartsWith('/') || directory == "." ? next : $"{directory}/{next}";
                logs.Write("worker", $"Working directory: {next}");
            }
        }

        return new PulledCode(checkout, directory, revision);
    }

    /// <summary>
    /// The step's <c>credentialsSecret</c> from the secrets the claim answer carried: a token (sent
    /// as the password of HTTP basic auth, as GitHub, GitLab and Gitea accept it) or
    /// <c>{"username","password"}</c>.
    /// </summary>
    internal static GitCredentials? CredentialsOf(GitCloneStep step, IReadOnlyDictionary<string, string>? secrets)
    {
        if (step.CredentialsSecret is not { } name)
        {
            return null;
        }

        if (secrets is null || !secrets.TryGetValue(name, out var value))
        {
            throw new PullStepException(
                $"The secret '{name}' that the gitClone step names did not come with the run: it was deleted, or the key this worker polls with may not receive secrets.");
        }

        var text = value.Trim();
        if (text.StartsWith('{'))
        {
            try
            {
                var pair = System.Text.Json.Nodes.JsonNode.Parse(text) as System.Text.Json.Nodes.JsonObject;
                if (pair?["username"]?.GetValue<string>() is { Length: > 0 } user && pair["password"]?.GetValue<string>() is { } password)
                {
                    return new GitCredentials(user, password);
                }
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
            {
                // not the pair form: refused below
            }

            throw new PullStepException($"The secret '{name}' looks like JSON but is not {{\"username\": ..., \"password\": ...}}.");
        }

        // A token: the user name is what GitHub documents for tokens; GitLab and Gitea ignore it.
        return new GitCredentials("x-access-token", text);
    }

    /// <summary>Removes what <see cref="RunAsync"/> checked out for the run, if anything.</summary>
    public Task RemoveCheckoutAsync(Guid runId, CancellationToken cancellationToken) => mirrors.RemoveCheckoutAsync(runId, cancellationToken);
}
