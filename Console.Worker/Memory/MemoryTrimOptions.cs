using System.ComponentModel.DataAnnotations;

namespace Console.Worker.Memory;

/// <summary>Settings of <see cref="MemoryTrimmer"/>, bound from the "MemoryTrim" section (env: <c>MemoryTrim__IntervalSeconds=60</c>).</summary>
public sealed class MemoryTrimOptions
{
    public const string Section = "MemoryTrim";

    /// <summary>How often freed native memory goes back to the operating system; 0 turns the trimmer off.</summary>
    [Range(0, 86_400)]
    public int IntervalSeconds { get; set; } = 30;
}
