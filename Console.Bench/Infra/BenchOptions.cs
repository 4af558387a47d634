using System.Globalization;

namespace Console.Bench.Infra;

/// <summary>Command-line options shared by every benchmark.</summary>
internal sealed class BenchOptions
{
    private Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public bool Quick { get; private set; }

    /// <summary>Where results.json, the summary and the SVG charts go (nothing is written without it).</summary>
    public string? OutDir { get; private set; }

    /// <summary>Temporary folder for databases and child logs; deleted at the end unless --keep.</summary>
    public string WorkFolder { get; } = Path.Combine(Path.GetTempPath(), $"console-bench-{Environment.ProcessId}");

    public bool Keep { get; private set; }

    public string? ServerDll => Get("server-dll");

    /// <summary>Which worker program to start for B2/B6/B7: cli (the built cx.dll's worker start), tool (the CLI packed and installed as users do), host (this harness hosting Console.Worker), or auto (B6: tool; else cli when built).</summary>
    public string WorkerMode => Get("worker") ?? "auto";

    public List<string> Positional { get; } = [];

    public static BenchOptions Parse(IEnumerable<string> args)
    {
        var options = new BenchOptions();
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var a = e.Current;
            switch (a)
            {
                case "--quick":
                    options.Quick = true;
                    break;
                case "--keep":
                    options.Keep = true;
                    break;
                case "--out":
                    options.OutDir = e.MoveNext() ? Path.GetFullPath(e.Current) : throw new ArgumentException("--out needs a folder");
                    break;
                case var flag when flag.StartsWith("--", StringComparison.Ordinal):
                    options._values[flag[2..]] = e.MoveNext() ? e.Current : throw new ArgumentException($"{flag} needs a value");
                    break;
                default:
                    options.Positional.Add(a);
                    break;
            }
        }

        return options;
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);

    /// <summary>A copy with one option changed (same work folder).</summary>
    public BenchOptions With(string name, string value)
    {
        var copy = (BenchOptions)MemberwiseClone();
        copy._values = new Dictionary<string, string>(_values, StringComparer.Ordinal) { [name] = value };
        return copy;
    }

    public int Int(string name, int full, int quick) =>
        Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : Quick ? quick : full;

    public double Double(string name, double full, double quick) =>
        Get(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : Quick ? quick : full;
}
