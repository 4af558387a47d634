using System.Text.Json;
using System.Text.Json.Nodes;
using Console.Contracts.Deployments;
using Console.Contracts.WorkPools;
using Console.Core.Workers;
using Console.Core.WorkPools;

namespace Console.Core.Deployments.Preflight;

/// <summary>
/// The image check (docs/api.md, "Preflight"): first what the online workers' engines hold (their
/// heartbeats list it), then the registry the reference names. A registry that cannot be asked
/// leaves the answer open (ok, with the reason), since the worker may still reach it.
/// </summary>
public sealed partial class DeploymentPreflight
{
    private async Task<PreflightCheckDto> CheckImageAsync(WorkPool pool, JsonObject? job, List<PoolWorker> online, CancellationToken ct)
    {
        if (pool.Type == WorkPoolTypes.Process)
        {
            return new(PreflightChecks.Image, true, "Process pools run no image.");
        }

        var image = StringOf(job, "image");
        if (string.IsNullOrWhiteSpace(image))
        {
            return new(PreflightChecks.Image, false, "The job names no image: set the 'image' job variable or its default in the pool's template.");
        }

        var reports = online.Select(w => (Worker: w, Report: workerImages.Of(pool.Name, w.Name))).ToList();
        if (reports.FirstOrDefault(r => r.Report?.Holds(image) == true).Worker is { } holder)
        {
            return new(PreflightChecks.Image, true, $"Image '{image}' is on the engine of worker '{holder.Name}'.");
        }

        // Every online worker told us what its engine holds, and none holds it.
        var knownAbsent = pool.Type == WorkPoolTypes.Docker && reports.Count > 0 && reports.All(r => r.Report is not null);
        var where = knownAbsent ? $"not on the engine of {string.Join(", ", reports.Select(r => $"'{r.Worker.Name}'"))}" : null;
        if (knownAbsent && string.Equals(StringOf(job, "image_pull_policy"), "Never", StringComparison.OrdinalIgnoreCase))
        {
            return new(PreflightChecks.Image, false, $"Image '{image}' is {where}, and image_pull_policy is Never.");
        }

        var lookup = await registry.LookUpAsync(image, ct);
        return lookup.Presence switch
        {
            ImagePresence.Present => new(PreflightChecks.Image, true, $"Image '{image}': {lookup.Message}."),
            ImagePresence.Absent => new(PreflightChecks.Image, false,
                $"Image '{image}' {(where is null ? "" : $"is {where} and ")}{lookup.Message}."),
            _ => new(PreflightChecks.Image, true,
                $"Cannot be known: image '{image}' {(where is null ? "was not seen on an online worker's engine" : $"is {where}")}; {lookup.Message}."),
        };
    }

    private static string? StringOf(JsonObject? job, string key) =>
        job?[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>().Trim() : null;
}
