using Console.Contracts.Common;
using Console.Contracts.Security;
using Console.Core.Deployments;
using Console.Core.Persistence;
using Console.Core.WorkPools;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Secrets;

/// <summary>A deployment or pool that names a secret.</summary>
public sealed record SecretUser(string Kind, string Name)
{
    public override string ToString() => $"{Kind} '{Name}'";
}

/// <summary>
/// Which deployments and pools name which secrets (the secrets page's "where used", and the
/// refusal to delete a secret in use), and the check that every secret a save names exists.
/// </summary>
public sealed class SecretUsage(ConsoleDbContext db)
{
    /// <summary>Every secret a deployment's job variables name.</summary>
    public static IEnumerable<string> NamesOf(Deployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return SecretReferences.InJobVariables(ConsoleJson.ParseObject(deployment.JobVariables));
    }

    /// <summary>Every secret a deployment's pull steps name (a gitClone's credentialsSecret).</summary>
    public static IEnumerable<string> PullStepNamesOf(Deployment deployment) =>
        SecretReferences.InPullSteps(DeploymentService.PullStepsOf(deployment));

    public static IEnumerable<string> NamesOf(WorkPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return SecretReferences.InTemplate(ConsoleJson.ParseObject(pool.BaseJobTemplate));
    }

    /// <summary>Secret name -> the deployments and pools that name it.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<SecretUser>>> AllAsync(CancellationToken ct = default)
    {
        var users = new Dictionary<string, List<SecretUser>>(StringComparer.Ordinal);
        void Add(IEnumerable<string> names, SecretUser user)
        {
            foreach (var name in names.Distinct(StringComparer.Ordinal))
            {
                (users.TryGetValue(name, out var list) ? list : users[name] = []).Add(user);
            }
        }

        foreach (var pool in await db.WorkPools.AsNoTracking().ToListAsync(ct))
        {
            Add(NamesOf(pool), new SecretUser("work pool", pool.Name));
        }

        foreach (var deployment in await db.Deployments.AsNoTracking().ToListAsync(ct))
        {
            Add(NamesOf(deployment).Concat(PullStepNamesOf(deployment)), new SecretUser("deployment", $"{deployment.FlowName}/{deployment.Name}"));
        }

        return users.ToDictionary(p => p.Key, p => (IReadOnlyList<SecretUser>)p.Value, StringComparer.Ordinal);
    }

    public async Task<IReadOnlyList<SecretUser>> UsersOfAsync(string name, CancellationToken ct = default) =>
        (await AllAsync(ct)).TryGetValue(name, out var users) ? users : [];

    /// <summary>
    /// Refuses (422, one error per name) a save that names a secret that does not exist, or a
    /// reference that is not a valid secret name. <paramref name="field"/> prefixes the error keys.
    /// </summary>
    public static async Task RequireExistingAsync(DbContext context, IEnumerable<string> names, string field, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var distinct = names.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count == 0)
        {
            return;
        }

        var errors = SecretReferences.InvalidNames(distinct, field);
        var valid = distinct.Where(Names.IsValid).ToList();
        var known = await context.Set<Secret>().AsNoTracking().Where(s => valid.Contains(s.Name)).Select(s => s.Name).ToListAsync(ct);
        foreach (var missing in valid.Except(known, StringComparer.Ordinal))
        {
            errors[$"{field}.secret.{missing}"] = [$"The secret '{missing}' does not exist: create it first (POST /api/secrets or cx secret set {missing})."];
        }

        if (errors.Count > 0)
        {
            var list = string.Join(", ", errors.Keys.Select(k => $"'{k[(k.LastIndexOf(".secret.", StringComparison.Ordinal) + 8)..]}'"));
            throw new UnprocessableException($"Unknown or invalid secret reference(s): {list}.", errors);
        }
    }
}
