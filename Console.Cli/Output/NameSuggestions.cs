namespace Console.Cli.Output;

/// <summary>"Did you mean ...?": the names within a few edits of a mistyped one, closest first.</summary>
public static class NameSuggestions
{
    private const int MaxLength = 128;

    public static IReadOnlyList<string> Closest(string typed, IEnumerable<string> names, int take = 3)
    {
        ArgumentNullException.ThrowIfNull(typed);
        ArgumentNullException.ThrowIfNull(names);
        if (typed.Length > MaxLength)
        {
            return [];
        }

        // A transposition or two, a missing letter: at most a third of the name, and never fewer than 2.
        var limit = Math.Max(2, typed.Length / 3);
        return [.. names
            .Where(n => n.Length <= MaxLength)
            .Select(n => (Name: n, Distance: Distance(typed, n)))
            .Where(c => c.Distance <= limit)
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(take)
            .Select(c => c.Name)];
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps cost 1.</summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
