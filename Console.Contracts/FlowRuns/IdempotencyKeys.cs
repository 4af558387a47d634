namespace Console.Contracts.FlowRuns;

/// <summary>
/// What an <c>Idempotency-Key</c> of <c>POST /api/deployments/{id}/runs</c> may be (docs/api.md):
/// the one rule the server enforces and the CLI checks before sending.
/// </summary>
public static class IdempotencyKeys
{
    public const int MaxLength = 128;

    /// <summary>The rule in words, for error messages.</summary>
    public const string Rule = "1 to 128 printable ASCII characters without spaces (e.g. a UUID)";

    /// <summary>Whether a key, already trimmed, follows the rule.</summary>
    public static bool IsValid(string trimmed) =>
        trimmed is { Length: > 0 and <= MaxLength } && trimmed.All(c => c is > ' ' and <= '~');
}
