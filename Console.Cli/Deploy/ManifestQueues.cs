using System.Text.Json.Nodes;
using Console.Cli.Api;
using Console.Cli.Output;
using Console.Contracts;
using Console.Projects.Flows;

namespace Console.Cli.Deploy;

/// <summary>
/// Makes the pool's queues what console.yaml's <c>work_queues:</c> says before a deployment goes to
/// one: a missing queue is created, an existing one gets the fields the entry gives (the others,
/// and whether it is paused, stay as they are), one that already matches is left untouched.
/// </summary>
internal sealed class ManifestQueues(ApiClient api, CliOutput output)
{
    public async Task ApplyAsync(FlowManifest manifest, string pool, bool dryRun, CancellationToken ct)
    {
        foreach (var entry in manifest.WorkQueues.Where(q => q.Pool == pool))
        {
            var path = $"/api/work-pools/{ApiClient.Segment(pool)}/queues";
            var existing = await FindAsync($"{path}/{ApiClient.Segment(entry.Name!)}", ct);
            if (existing is not null && Matches(existing, entry))
            {
                continue;
            }

            var verb = existing is null ? "created" : "updated";
            if (dryRun)
            {
                output.Note($"Dry run: work queue '{entry.Name}' of work pool '{pool}' would be {verb} ({Describe(entry)}).");
                continue;
            }

            if (existing is null)
            {
                await api.PostAsync(path, new CreateWorkQueueRequest
                {
                    Name = entry.Name,
                    Description = entry.Description,
                    Priority = entry.Priority,
                    Weight = entry.Weight,
                    ConcurrencyLimit = entry.ConcurrencyLimit,
                }, ct);
            }
            else
            {
                // Only the fields the entry gives: an absent one is not cleared.
                var patch = new JsonObject();
                Set(patch, "description", entry.Description);
                Set(patch, "priority", entry.Priority);
                Set(patch, "weight", entry.Weight);
                Set(patch, "concurrencyLimit", entry.ConcurrencyLimit);
                await api.PatchAsync($"{path}/{ApiClient.Segment(entry.Name!)}", patch, ct);
            }

            output.Success($"Work queue '{entry.Name}' of work pool '{pool}' {verb} ({Describe(entry)}).");
        }
    }

    private static void Set(JsonObject patch, string key, JsonNode? value)
    {
        if (value is not null)
        {
            patch[key] = value;
        }
    }

    private async Task<WorkQueueDto?> FindAsync(string path, CancellationToken ct)
    {
        try
        {
            return await api.GetAsync<WorkQueueDto>(path, ct);
        }
        catch (ApiProblemException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    private static bool Matches(WorkQueueDto queue, ManifestWorkQueue entry) =>
        (entry.Description is null || entry.Description == queue.Description)
        && (entry.Priority is null || entry.Priority == queue.Priority)
        && (entry.Weight is null || entry.Weight == queue.Weight)
        && (entry.ConcurrencyLimit is null || entry.ConcurrencyLimit == queue.ConcurrencyLimit);

    private static string Describe(ManifestWorkQueue entry)
    {
        var parts = new List<string>();
        if (entry.Priority is { } priority)
        {
            parts.Add($"priority {priority}");
        }

        if (entry.Weight is { } weight)
        {
            parts.Add($"weight {weight}");
        }

        if (entry.ConcurrencyLimit is { } limit)
        {
            parts.Add($"concurrency limit {limit}");
        }

        return parts.Count == 0 ? "as given" : string.Join(", ", parts);
    }
}
