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
    /// <param name="credentials">Resolves a step's <c>credentialsSecret</c> (from the claim answer); null when there is none.</param>
    public async Task<PulledCode?> RunAsync(FlowRunDto run, Func<GitCloneStep, GitCredentials?> credentials, ILogSink logs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(credentials);
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
                    (checkout, revision) = await mirrors.CheckoutAsync(run.Id, clone, credentials(clone), m => logs.Write("worker", m), cancellationToken);
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

    /// <summary>Removes what <see cref="RunAsync"/> checked out for the run, if anything.</summary>
    public Task RemoveCheckoutAsync(Guid runId, CancellationToken cancellationToken) => mirrors.RemoveCheckoutAsync(runId, cancellationToken);
}
