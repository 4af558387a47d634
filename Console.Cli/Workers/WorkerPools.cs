using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;

namespace Console.Cli.Workers;

/// <summary>
/// Before a worker starts: every pool it serves must exist. A typo must not quietly create a new
/// pool that looks healthy while the real one stays red, so a missing pool is created only when
/// <c>--type</c> says which kind (as Prefect's <c>worker start --type</c>), and said loudly.
/// </summary>
public sealed class WorkerPools(ApiClient api, CliOutput output, CliContext cli)
{
    /// <returns>Null when every pool exists (or was created); else why the worker must not start.</returns>
    public async Task<string?> EnsureAsync(IReadOnlyList<string> pools, string? type, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pools);
        foreach (var pool in pools.Distinct(StringComparer.Ordinal))
        {
            if (await ExistsAsync(pool, cancellationToken))
            {
                continue;
            }

            if (type is null)
            {
                return await MissingAsync(pool, cancellationToken);
            }

            var created = ApiClient.As<WorkPoolDto>(await api.PostAsync("/api/work-pools", new CreateWorkPoolRequest { Name = pool, Type = type }, cancellationToken));
            output.Warn($"Work pool '{created.Name}' did not exist: created it as a {created.Type} pool (--type {type}).");
        }

        return null;
    }

    private async Task<bool> ExistsAsync(string pool, CancellationToken cancellationToken)
    {
        try
        {
            await api.GetAsync($"/api/work-pools/{ApiClient.Segment(pool)}", cancellationToken);
            return true;
        }
        catch (ApiProblemException ex) when (ex.IsNotFound)
        {
            return false;
        }
    }

    private async Task<string> MissingAsync(string pool, CancellationToken cancellationToken)
    {
        var text = $"Work pool '{pool}' does not exist.";
        List<WorkPoolDto> known;
        try
        {
            known = await api.GetAsync<List<WorkPoolDto>>("/api/work-pools", cancellationToken);
        }
        catch (ApiProblemException)
        {
            known = []; // a key that may not list pools still gets the error, without suggestions
        }

        var closest = NameSuggestions.Closest(pool, known.Select(p => p.Name));
        if (closest.Count > 0)
        {
            text += $" Did you mean {string.Join(" or ", closest)}?";
        }

        return text + $" To create it, say which type: {cli.Command($"worker start --pool {pool} --type process")} (or docker, docker-swarm).";
    }
}
