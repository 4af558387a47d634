using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Console.Worker;

/// <summary>The worker's name, fixed for the life of the process (and across restarts when it has a state directory).</summary>
public sealed class WorkerIdentity
{
    public WorkerIdentity(IOptions<WorkerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Name = Resolve(options.Value);
    }

    public string Name { get; }

    private static string Resolve(WorkerOptions options)
    {
        if (!string.IsNullOrEmpty(options.Name))
        {
            return options.Name;
        }

        if (options.StateDirectory is null)
        {
            return Generate();
        }

        // A generated name is kept so that a restarted worker finds the containers labelled with it.
        Directory.CreateDirectory(options.StateDirectory);
        var file = Path.Combine(options.StateDirectory, "worker-name");
        if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } saved && Core.Common.Names.IsValid(saved))
        {
            return saved;
        }

        var name = Generate();
        File.WriteAllText(file, name);
        return name;
    }

    internal static string Generate()
    {
        var machine = new StringBuilder();
        foreach (var c in Environment.MachineName.ToLowerInvariant())
        {
            machine.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        }

        var prefix = machine.ToString().Trim('-', '_');
        if (prefix.Length > 50)
        {
            prefix = prefix[..50].Trim('-', '_');
        }

        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        return prefix.Length == 0 ? $"worker-{suffix}" : $"{prefix}-{suffix}";
    }
}
