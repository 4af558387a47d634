using System.Security.Cryptography;
using System.Text;
using Console.Contracts.Common;
using Microsoft.Extensions.Options;

namespace Console.Worker;

/// <summary>
/// The worker's name, fixed for the life of the process, and across restarts when it has a state
/// directory: a restarted worker must find the containers labelled with its name. A state directory
/// is held by one live worker at a time (a lock file): a second worker started with the same one
/// takes the next free slot (<c>2/</c>, <c>3/</c>, ...) and so gets a name and an outbox of its own.
/// </summary>
public sealed class WorkerIdentity : IDisposable
{
    private const int MaxSlots = 64;
    private readonly FileStream? _lock;

    public WorkerIdentity(IOptions<WorkerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        if (o.StateDirectory is { } root)
        {
            (StateDirectory, _lock) = TakeSlot(root);
        }

        Name = !string.IsNullOrEmpty(o.Name) ? o.Name : StateDirectory is null ? Generate() : Remembered(StateDirectory);
    }

    public string Name { get; }

    /// <summary>The state folder this worker holds (its slot of <see cref="WorkerOptions.StateDirectory"/>); null without one.</summary>
    public string? StateDirectory { get; }

    public void Dispose() => _lock?.Dispose();

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

    private static (string Directory, FileStream Lock) TakeSlot(string root)
    {
        for (var slot = 1; slot <= MaxSlots; slot++)
        {
            var folder = slot == 1 ? root : Path.Combine(root, slot.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(folder);
            try
            {
                // Held open without sharing until the worker stops; the OS releases it if the process dies.
                return (folder, new FileStream(Path.Combine(folder, "worker.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException)
            {
                // another live worker holds this slot
            }
        }

        throw new InvalidOperationException($"{MaxSlots} workers already use the state directory '{root}'; give this one another (Worker:StateDirectory).");
    }

    private static string Remembered(string folder)
    {
        var file = Path.Combine(folder, "worker-name");
        if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } saved && Names.IsValid(saved))
        {
            return saved;
        }

        var name = Generate();
        File.WriteAllText(file, name);
        return name;
    }
}
