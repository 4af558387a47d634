using System.Text.RegularExpressions;

namespace Console.Contracts.Common;

/// <summary>Names of pools, queues, workers and deployments (docs/api.md): 1-63 chars of [a-z0-9] with inner '-' or '_'.</summary>
public static partial class Names
{
    [GeneratedRegex(@"^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    public static string Require(string? name, string field)
    {
        if (!IsValid(name))
        {
            throw new InvalidRequestException(field,
                $"'{name}' is not a valid name: use 1-63 lowercase letters, digits, and inner '-' or '_'.");
        }

        return name!;
    }
}
