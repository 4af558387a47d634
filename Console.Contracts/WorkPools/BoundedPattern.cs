using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;
using Json.Schema.Keywords;

namespace Console.Contracts.WorkPools;

/// <summary>
/// The <c>pattern</c> keyword of job variable schemas with a match timeout: a template's pattern is
/// written by whoever edits the pool, and a catastrophic one (<c>^(a+)+$</c>) against a crafted value
/// would otherwise pin a core for minutes. A pattern that does not compile fails the schema's build;
/// one that runs out of time refuses the value.
/// </summary>
internal sealed class BoundedPattern : IKeywordHandler
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(250);

    /// <summary>The default dialect with this keyword in place of the library's own.</summary>
    public static Dialect Dialect { get; } =
        Dialect.Default.Without([PatternKeyword.Instance], null, null, null).With([new BoundedPattern()], null, null, null);

    public string Name => "pattern";

    public object? ValidateKeywordValue(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new JsonSchemaException("'pattern' must be a string.");
        }

        try
        {
            return new Regex(value.GetString()!, RegexOptions.CultureInvariant, Timeout);
        }
        catch (ArgumentException ex)
        {
            throw new JsonSchemaException($"'pattern' is not a valid regular expression: {ex.Message}");
        }
    }

    public void BuildSubschemas(KeywordData keyword, BuildContext context)
    {
        // pattern has no subschemas
    }

    public KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(keyword);
        if (context.Instance.ValueKind != JsonValueKind.String)
        {
            return KeywordEvaluation.Ignore;
        }

        var regex = (Regex)keyword.Value!;
        try
        {
            return regex.IsMatch(context.Instance.GetString()!)
                ? new KeywordEvaluation { Keyword = Name, IsValid = true }
                : new KeywordEvaluation { Keyword = Name, IsValid = false, Error = $"The value does not match the pattern '{regex}'." };
        }
        catch (RegexMatchTimeoutException)
        {
            return new KeywordEvaluation
            {
                Keyword = Name, IsValid = false,
                Error = $"Matching the pattern '{regex}' took longer than {Timeout.TotalMilliseconds} ms; the value is refused.",
            };
        }
    }
}
