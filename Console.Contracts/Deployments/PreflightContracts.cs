using System.Text.Json.Nodes;

namespace Console.Contracts.Deployments;

/// <summary>
/// The answer of <c>POST /api/deployments/preflight</c>: whether the deployment would work, the job
/// configuration a worker would get, and every check with its verdict. Nothing is saved.
/// </summary>
public sealed record PreflightResultDto
{
    public bool Ok { get; init; }

    /// <summary>The pool's base job template with its defaults, the deployment's variables merged and rendered (secret values masked).</summary>
    public JsonObject? Job { get; init; }
    public IReadOnlyList<PreflightCheckDto> Checks { get; init; } = [];
}

/// <summary>One check: a stable <see cref="Name"/> (see <see cref="PreflightChecks"/>), its verdict and a sentence.</summary>
public sealed record PreflightCheckDto(string Name, bool Ok, string Message);

/// <summary>The stable names of the preflight checks.</summary>
public static class PreflightChecks
{
    /// <summary>The body's own fields, as create checks them (names, command, schedules, limits, pull steps, policies).</summary>
    public const string Request = "request";

    public const string Variables = "variables";
    public const string Secrets = "secrets";
    public const string Pool = "pool";
    public const string Worker = "worker";
    public const string Image = "image";
    public const string Entrypoint = "entrypoint";
}
