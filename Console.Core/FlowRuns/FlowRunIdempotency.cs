using Console.Contracts.Common;
using Console.Contracts.FlowRuns;

namespace Console.Core.FlowRuns;

/// <summary>
/// The <c>Idempotency-Key</c> header of <c>POST /api/deployments/{id}/runs</c> (docs/api.md): the
/// same key for the same deployment within <see cref="Window"/> answers the run the first request
/// made. The key is unique per deployment in the database, so concurrent creators cannot both insert.
/// </summary>
public static class FlowRunIdempotency
{
    public const string Header = "Idempotency-Key";

    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    /// <summary>The key as stored (trimmed), or null when none was sent.</summary>
    /// <exception cref="InvalidRequestException">Empty, too long, or not printable ASCII.</exception>
    public static string? Normalize(string? key)
    {
        if (key is null)
        {
            return null;
        }

        var trimmed = key.Trim();
        if (!IdempotencyKeys.IsValid(trimmed))
        {
            throw new InvalidRequestException(Header, $"The {Header} header is {IdempotencyKeys.Rule}.");
        }

        return trimmed;
    }
}
