using System.Text.Json;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Deployments;
using Console.Contracts.Security;
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

        // Every secret value the run received is kept out of what this writes and throws (git's
        // messages included), whether or not it was substituted into a step.
        var secretValues = (run.Secrets?.Values ?? []).ToList();
        var scrubbed = new ScrubbingSink(logs, secretValues);
        try
        {
            return await RunStepsAsync(run, scrubbed, cancellationToken);
        }
        catch (PullStepException ex)
        {
            throw new PullStepException(GitMirrors.Scrub(ex.Message, secretValues));
        }
    }

    private async Task<PulledCode?> RunStepsAsync(FlowRunDto run, ILogSink logs, CancellationToken cancellationToken)
    {
        IReadOnlyList<PullStepDto> steps;
        try
        {
            // The server checked them on save; the worker checks again, as the last one to see what
            // runs, after putting in the values of their {{ secret.NAME }} references.
            steps = PullStepRules.Normalize(Substitute(run.PullSteps!, run.Secrets), allowLocalRepositories: true);
        }
        catch (UnprocessableException ex)
        {
            throw new PullStepException($"The pull steps cannot be used: {string.Join(" ", ex.Errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")))}");
        }
        catch (SecretUnavailableException ex)
        {
            throw new PullStepException(ex.Message);
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

    /// <summary>The steps with each <c>{{ secret.NAME }}</c> in their strings replaced by the value the claim answer carried.</summary>
    /// <exception cref="SecretUnavailableException">A referenced secret did not come with the run.</exception>
    internal static IReadOnlyList<PullStepDto> Substitute(IReadOnlyList<PullStepDto> steps, IReadOnlyDictionary<string, string>? secrets)
    {
        var node = JsonSerializer.SerializeToNode(steps, ConsoleJson.Options);
        if (!SecretReferences.InStrings(node).Any())
        {
            return steps;
        }

        var wrapped = new JsonObject { ["steps"] = node };
        return SecretReferences.Substitute(wrapped, secrets)["steps"].Deserialize<List<PullStepDto>>(ConsoleJson.Options) ?? [];
    }

    /// <summary>Writes to the run's log with every secret value masked.</summary>
    private sealed class ScrubbingSink(ILogSink inner, IReadOnlyList<string> secrets) : ILogSink
    {
        public void Write(string stream, string message, DateTime? timestamp = null, string level = "info") =>
            inner.Write(stream, secrets.Count == 0 ? message : GitMirrors.Scrub(message, secrets), timestamp, level);
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
