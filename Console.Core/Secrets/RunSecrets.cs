using Console.Contracts.Common;
using Console.Contracts.Security;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Console.Core.WorkPools;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Secrets;

/// <summary>
/// The one place secret values are decrypted (docs/decisions/0008): into the claim answer of a worker allowed
/// on the run's pool, and into the mask of the run's stored log lines and state messages. The
/// values a claim hands out are kept with the run, encrypted, so the mask covers exactly what the
/// run received even when a secret is replaced while it runs.
/// </summary>
public sealed class RunSecrets(ConsoleDbContext db, SecretCipher cipher)
{
    /// <summary>
    /// Every secret a run uses: references in its job variables, <paramref name="poolNames"/> (its
    /// pool template's, <see cref="SecretUsage.NamesOf(WorkPool)"/>: read once per poll, not once per
    /// run), the <c>registry_credentials</c> it names, and <paramref name="alsoNamed"/> (its pull steps' credentials).
    /// </summary>
    public static IReadOnlyList<string> NamesOf(FlowRun run, IEnumerable<string> poolNames, IEnumerable<string>? alsoNamed = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(poolNames);
        return [.. SecretReferences.InJobVariables(ConsoleJson.ParseObject(run.JobVariables))
            .Concat(poolNames)
            .Concat(alsoNamed ?? [])
            .Where(Names.IsValid)
            .Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The values for a claim answer (null when the run uses none). Names that no longer exist are
    /// left out: the worker ends the run Crashed naming the missing one. Only call this for a
    /// caller allowed to receive them (a worker key of the run's pool, an admin key, the embedded worker).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>?> ForClaimAsync(FlowRun run, IEnumerable<string> poolNames, IEnumerable<string>? alsoNamed = null, CancellationToken ct = default)
    {
        var names = NamesOf(run, poolNames, alsoNamed);
        return await ResolveForRunAsync(run.Id, names, ct);
    }

    /// <summary>
    /// Resolves <paramref name="names"/> for run <paramref name="runId"/> and records the values for
    /// its mask. The entry point for anything else a claimed run needs (e.g. a git credential).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>?> ResolveForRunAsync(Guid runId, IReadOnlyCollection<string> names, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (names.Count == 0)
        {
            return null;
        }

        var secrets = await db.Secrets.AsNoTracking().Where(s => names.Contains(s.Name)).ToListAsync(ct);
        var values = secrets.ToDictionary(s => s.Name, s => cipher.Unprotect(s.ProtectedValue, s.Name), StringComparer.Ordinal);
        if (values.Count > 0)
        {
            // Straight to the row: bookkeeping of the claim, never audited, never in an answer.
            var protectedValues = cipher.Protect(ConsoleJson.Serialize(values.Values.ToList()));
            await db.FlowRuns.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.ProtectedSecretValues, protectedValues), ct);
        }

        return values;
    }

    /// <summary>The mask of a run from its stored values; empty when it received none.</summary>
    public SecretMask MaskOf(string? protectedValues)
    {
        if (string.IsNullOrEmpty(protectedValues))
        {
            return Empty;
        }

        var values = ConsoleJson.Deserialize<List<string>>(cipher.Unprotect(protectedValues, "of this run")) ?? [];
        return new SecretMask(values);
    }

    private static readonly SecretMask Empty = new([]);
}
