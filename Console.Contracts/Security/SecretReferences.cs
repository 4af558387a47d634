using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Console.Contracts.Common;
using Console.Contracts.Deployments;

namespace Console.Contracts.Security;

/// <summary>
/// Where runs name secrets (docs/api.md, "Secrets"): <c>{{ secret.NAME }}</c> in any string of job
/// variables, a pool's base job template or pull steps; the job variable
/// <c>registry_credentials</c>, whose value is a secret's name; and a <c>gitClone</c> step's
/// <c>credentialsSecret</c>. The server uses <c>In*</c> to check that each named secret exists and
/// to choose what a claim answer carries; the worker uses <see cref="Substitute"/> to put the
/// values it received into the rendered job configuration.
/// </summary>
public static partial class SecretReferences
{
    /// <summary>The job variable that names the secret a docker or Swarm worker pulls the image with.</summary>
    public const string RegistryCredentialsVariable = "registry_credentials";

    /// <summary>What a masked value becomes in stored log lines and state messages.</summary>
    public const string Mask = "****";

    // Bounded: names are at most 63 characters, anything longer is not a reference we act on.
    [GeneratedRegex(@"\{\{\s{0,8}secret\.([^\s{}]{1,200})\s{0,8}\}\}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Reference();

    /// <summary>Names referenced as <c>{{ secret.NAME }}</c> in any string of <paramref name="node"/>, keys included.</summary>
    public static IEnumerable<string> InStrings(JsonNode? node) => node switch
    {
        JsonObject obj => obj.SelectMany(p => InText(p.Key).Concat(InStrings(p.Value))),
        JsonArray array => array.SelectMany(InStrings),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => InText(v.GetValue<string>()),
        _ => [],
    };

    public static IEnumerable<string> InText(string? text) =>
        string.IsNullOrEmpty(text) || !text.Contains("{{", StringComparison.Ordinal)
            ? []
            : Reference().Matches(text).Select(m => m.Groups[1].Value);

    /// <summary>Secrets a deployment's or run's job variables name (references, and <c>registry_credentials</c>).</summary>
    public static IEnumerable<string> InJobVariables(JsonObject? variables)
    {
        if (variables is null)
        {
            return [];
        }

        var named = variables[RegistryCredentialsVariable] is JsonValue v && v.GetValueKind() == JsonValueKind.String
            && v.GetValue<string>() is { Length: > 0 } name && !name.Contains("{{", StringComparison.Ordinal)
                ? [name.Trim()]
                : Array.Empty<string>();
        return named.Concat(InStrings(variables));
    }

    /// <summary>Secrets a pool's base job template names: references anywhere, and the default of <c>registry_credentials</c>.</summary>
    public static IEnumerable<string> InTemplate(JsonObject? template)
    {
        if (template is null)
        {
            return [];
        }

        var defaultName = template["variables"]?["properties"]?[RegistryCredentialsVariable]?["default"] is JsonValue v
            && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { Length: > 0 } name && !name.Contains("{{", StringComparison.Ordinal)
                ? [name.Trim()]
                : Array.Empty<string>();
        return defaultName.Concat(InStrings(template));
    }

    /// <summary>Secrets pull steps name: each <c>gitClone.credentialsSecret</c>, and references in their strings.</summary>
    public static IEnumerable<string> InPullSteps(IEnumerable<PullStepDto>? steps) =>
        (steps ?? []).SelectMany(step => new[]
        {
            step?.GitClone?.CredentialsSecret is { Length: > 0 } name ? name.Trim() : null,
        }.OfType<string>().Concat(step is null ? [] : InStrings(JsonSerializer.SerializeToNode(step, ConsoleJson.Options))));

    /// <summary>
    /// The reference names that are not valid secret names, as a 422's errors (field: reason); empty when all are.
    /// </summary>
    public static Dictionary<string, string[]> InvalidNames(IEnumerable<string> names, string field) =>
        names.Where(n => !Names.IsValid(n)).Distinct(StringComparer.Ordinal)
            .ToDictionary(n => $"{field}.secret.{n}", n => new[] { $"'{n}' is not a valid secret name: use 1-63 lowercase letters, digits, and inner '-' or '_'." }, StringComparer.Ordinal);

    /// <summary>
    /// Replaces every <c>{{ secret.NAME }}</c> in the strings of <paramref name="config"/> with the
    /// value from <paramref name="values"/>, and a <c>registry_credentials</c> that names a secret
    /// with that secret's value. A name with no value is an error naming it (the worker reports the
    /// run Crashed with it; the value itself never appears in a message).
    /// </summary>
    public static JsonObject Substitute(JsonObject config, IReadOnlyDictionary<string, string>? values)
    {
        ArgumentNullException.ThrowIfNull(config);
        values ??= new Dictionary<string, string>();
        var result = (JsonObject)SubstituteNode(config, values)!;
        if (result[RegistryCredentialsVariable] is JsonValue v && v.GetValueKind() == JsonValueKind.String
            && v.GetValue<string>() is { Length: > 0 } name && Names.IsValid(name.Trim()))
        {
            result[RegistryCredentialsVariable] = ValueOf(name.Trim(), values);
        }

        return result;
    }

    private static JsonNode? SubstituteNode(JsonNode? node, IReadOnlyDictionary<string, string> values)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    copy[SubstituteText(key, values)] = SubstituteNode(value, values);
                }

                return copy;
            case JsonArray array:
                return new JsonArray([.. array.Select(item => SubstituteNode(item, values))]);
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                return JsonValue.Create(SubstituteText(value.GetValue<string>(), values));
            default:
                return node?.DeepClone();
        }
    }

    private static string SubstituteText(string text, IReadOnlyDictionary<string, string> values) =>
        !text.Contains("{{", StringComparison.Ordinal) ? text : Reference().Replace(text, m => ValueOf(m.Groups[1].Value, values));

    private static string ValueOf(string name, IReadOnlyDictionary<string, string> values) =>
        values.TryGetValue(name, out var value)
            ? value
            : throw new SecretUnavailableException(name);
}

/// <summary>A run names a secret its worker did not receive (deleted meanwhile, or the worker's key may not have it).</summary>
public sealed class SecretUnavailableException(string name)
    : ConsoleException($"The run uses the secret '{name}', but the worker did not receive it: it no longer exists, or this worker's key may not receive secrets (only worker keys of the run's pool and admin keys do).")
{
    public string SecretName { get; } = name;
}
