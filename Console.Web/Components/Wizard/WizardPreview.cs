using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Console.Contracts;
using Console.Contracts.Deployments;
using Console.Projects.Flows;
using Console.Web.Components.Shared;

namespace Console.Web.Components.Wizard;

/// <summary>What the review step shows: the CLI command that makes the same deployment, and its console.yaml entry.</summary>
public static partial class WizardPreview
{
    [GeneratedRegex(@"^[A-Za-z0-9_./:=@%+,-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex Plain();

    /// <summary><c>cx --no-prompt deploy -n NAME -p POOL ENTRYPOINT --flow FLOW ...</c></summary>
    public static string CliCommand(WizardModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var request = model.ToRequest();
        var args = new List<string>
        {
            Commands.Cli, "--no-prompt", "deploy",
            "-n", Quote(request.Name ?? string.Empty),
            "-p", Quote(request.WorkPoolName ?? string.Empty),
            Quote(request.Entrypoint ?? string.Empty),
            "--flow", Quote(request.FlowName ?? string.Empty),
        };
        if (request.WorkQueueName is { } queue && queue != model.PoolStep.Pool?.DefaultQueueName)
        {
            args.AddRange(["-q", Quote(queue)]);
        }

        if (request.Command is { } command && command != model.Flow?.Command)
        {
            args.AddRange(["--command", Quote(command)]);
        }

        if (request.Schedules is [var schedule])
        {
            if (schedule.Cron is { } cron)
            {
                args.AddRange(["--cron", Quote(cron)]);
                if (schedule.Timezone is { } zone)
                {
                    args.AddRange(["--timezone", Quote(zone)]);
                }
            }
            else
            {
                args.AddRange(["--interval", schedule.IntervalSeconds!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }
        }

        // Run policies the CLI has flags for; the rest (backoff, jitter, states) shows in the console.yaml snippet.
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        if (request.Retries is { } retries)
        {
            args.AddRange(["--retries", retries.MaxRetries.ToString(invariant)]);
            if (retries.DelaySeconds != new RetryPolicyDto().DelaySeconds)
            {
                args.AddRange(["--retry-delay", retries.DelaySeconds.ToString(invariant)]);
            }
        }

        if (request.TimeoutSeconds is { } timeout)
        {
            args.AddRange(["--timeout", timeout.ToString(invariant)]);
        }

        if (request.LatePolicy?.SkipAfterSeconds is { } skip)
        {
            args.AddRange(["--skip-late-after", skip.ToString(invariant)]);
        }

        if (request.LatePolicy?.MaxScheduled is { } most)
        {
            args.AddRange(["--max-scheduled", most.ToString(invariant)]);
        }

        if (request.CollisionStrategy is CollisionStrategy.CancelNew)
        {
            args.AddRange(["--collision-strategy", nameof(CollisionStrategy.CancelNew)]);
        }

        foreach (var (name, value) in request.JobVariables ?? [])
        {
            // The CLI builds the image from the build section of console.yaml and sets 'image' itself.
            if (name == "image" && model.WillBuild)
            {
                continue;
            }

            var text = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value?.ToJsonString() ?? "null";
            args.AddRange(["--job-variable", Quote($"{name}={text}")]);
        }

        return string.Join(' ', args);
    }

    /// <summary>
    /// The deployment as the flow project's console.yaml would hold it, written by the flow-project
    /// library itself (into a scratch folder) so the snippet is exactly what a save produces.
    /// </summary>
    public static string ManifestSnippet(WizardModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var deployment = model.ToManifest();
        var folder = Path.Combine(Path.GetTempPath(), "console-wizard-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            FlowProject.SaveDeployment(folder, deployment, model.FlowToAdd());
            return File.ReadAllText(Path.Combine(folder, FlowProject.ManifestFileName), Encoding.UTF8).TrimEnd() + "\n";
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length > 0 && Plain().IsMatch(value) ? value : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
