using System.Globalization;
using Console.Worker.Infrastructure.Usage;

namespace Console.Worker.Infrastructure.Process;

/// <summary>One process's line of <c>/proc/PID/stat</c>, the fields usage needs (Linux).</summary>
public readonly record struct ProcStatLine(int Pid, int ParentPid, int Session, long OwnTicks, long ChildTicks, long RssPages)
{
    /// <summary>USER_HZ: the unit of the CPU times in /proc/PID/stat, fixed at 100 by the Linux user-space ABI.</summary>
    public const double TicksPerSecond = 100.0;

    /// <summary>The line of <paramref name="pid"/>; null when there is no such process (or no /proc).</summary>
    public static ProcStatLine? Read(int pid)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null; // gone between the listing and the read, or not Linux
        }
    }

    /// <summary>"pid (comm) state ppid pgrp session ... utime stime cutime cstime ... rss ...": comm may hold spaces and ')', so fields count from the last ')'.</summary>
    public static ProcStatLine? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var close = text.LastIndexOf(')');
        var open = text.IndexOf(' ', StringComparison.Ordinal);
        if (close < 0 || open < 0 || close + 2 > text.Length)
        {
            return null;
        }

        // After the ')': field 3 (state) is index 0, so field N is index N - 3.
        var fields = text[(close + 2)..].Split(' ');
        if (fields.Length < 22)
        {
            return null;
        }

        long Field(int n) => long.Parse(fields[n - 3], NumberStyles.Integer, CultureInfo.InvariantCulture);
        return new ProcStatLine(
            int.Parse(text.AsSpan(0, open), NumberStyles.Integer, CultureInfo.InvariantCulture),
            (int)Field(4), (int)Field(6), Field(14) + Field(15), Field(16) + Field(17), Field(24));
    }
}

/// <summary>
/// CPU time and memory of a run's process tree from /proc: the leader (its own session, as setsid
/// made it) and every process in its session or below it. CPU is each member's own time plus what
/// it collected from children it waited for; a member that ends is counted once, through its
/// parent when the parent is a member still alive (the kernel adds a waited-for child's time to
/// its parent's), else by its last reading. Memory is the tree's summed resident set at a reading.
/// </summary>
internal sealed class ProcessTreeUsage(int leaderPid)
{
    private static readonly long PageSize = Environment.SystemPageSize;
    private Dictionary<int, ProcStatLine> _members = [];
    private long _endedTicks;

    public UsageSample? Read()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var all = new Dictionary<int, ProcStatLine>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && ProcStatLine.Read(pid) is { } line)
            {
                all[pid] = line;
            }
        }

        var members = new Dictionary<int, ProcStatLine>();
        foreach (var line in all.Values)
        {
            if (IsMember(line, all))
            {
                members[line.Pid] = line;
            }
        }

        foreach (var (pid, gone) in _members)
        {
            if (!members.ContainsKey(pid) && !members.ContainsKey(gone.ParentPid))
            {
                _endedTicks += gone.OwnTicks + gone.ChildTicks;
            }
        }

        _members = members;
        var ticks = _endedTicks + members.Values.Sum(m => m.OwnTicks + m.ChildTicks);
        var rss = members.Values.Sum(m => m.RssPages) * PageSize;
        return new UsageSample(ticks / ProcStatLine.TicksPerSecond, rss);
    }

    private bool IsMember(ProcStatLine line, Dictionary<int, ProcStatLine> all)
    {
        // Bounded walk up the parents: a child that left the session (its own setsid) is still the run's.
        var current = line;
        for (var depth = 0; depth < 64; depth++)
        {
            if (current.Pid == leaderPid || current.Session == leaderPid)
            {
                return true;
            }

            if (current.ParentPid <= 1 || !all.TryGetValue(current.ParentPid, out current))
            {
                return false;
            }
        }

        return false;
    }
}
