using System.Globalization;

namespace Console.Bench.Infra;

/// <summary>CPU time and resident memory of a process, read from /proc (Linux).</summary>
internal static class ProcStat
{
    /// <summary>User + system CPU seconds the process has used so far (the worker's /proc reader).</summary>
    public static double CpuSeconds(int pid) =>
        (Worker.Infrastructure.Process.ProcStatLine.Read(pid) ?? throw new IOException($"No process {pid} in /proc.")).OwnTicks
        / Worker.Infrastructure.Process.ProcStatLine.TicksPerSecond;

    /// <summary>Resident set size in MiB (VmRSS).</summary>
    public static double RssMb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                return kb / 1024.0;
            }
        }

        return double.NaN;
    }

    public static bool Alive(int pid) => File.Exists($"/proc/{pid}/stat");

    /// <summary>How many sockets the process holds open (its /proc/PID/fd entries that are sockets).</summary>
    public static int Sockets(int pid) =>
        new DirectoryInfo($"/proc/{pid}/fd").EnumerateFileSystemInfos()
            .Count(f => f.LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true);

    /// <summary>This process's limit on open files (the soft limit, "Max open files" in /proc/self/limits).</summary>
    public static long OpenFilesLimit()
    {
        var line = File.ReadLines("/proc/self/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return soft == "unlimited" ? long.MaxValue : long.Parse(soft, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Waits until the process used at most <paramref name="maxPercent"/> of a core over one <paramref name="window"/>
    /// (or <paramref name="timeout"/> passed); returns the seconds waited. After a warm-up the runtime still
    /// compiles the methods it found hot, on a thread of its own: a round timed before that ends measures the JIT too.
    /// </summary>
    public static async Task<double> WaitUntilQuietAsync(int pid, double maxPercent, TimeSpan window, TimeSpan timeout, CancellationToken ct)
    {
        var start = Clock.Now;
        while (Clock.Ms(start, Clock.Now) < timeout.TotalMilliseconds)
        {
            var before = CpuSeconds(pid);
            await Task.Delay(window, ct);
            if ((CpuSeconds(pid) - before) / window.TotalSeconds * 100 <= maxPercent)
            {
                break;
            }
        }

        return Clock.Ms(start, Clock.Now) / 1000;
    }

    /// <summary>Busy and total jiffies of the whole machine (first line of /proc/stat).</summary>
    public static (long Busy, long Total) Machine()
    {
        var first = File.ReadLines("/proc/stat").First();
        var values = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var total = values.Take(8).Sum(); // user nice system idle iowait irq softirq steal
        var idle = values[3] + values[4];
        return (total - idle, total);
    }
}

/// <summary>Samples a process's CPU and RSS (and the machine's load) once per interval until disposed.</summary>
internal sealed class ProcSampler : IAsyncDisposable
{
    private readonly int _pid;
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _loop;
    private readonly List<(double AtS, double CpuPercent, double RssMb, double MachinePercent)> _samples = [];
    private readonly long _start = Clock.Now;
    private readonly double _cpuStart;
    private readonly (long Busy, long Total) _machineStart;
    private double _cpuEnd;
    private (long Busy, long Total) _machineEnd;
    private double _elapsedS;

    public ProcSampler(int pid, TimeSpan interval)
    {
        _pid = pid;
        _cpuStart = ProcStat.CpuSeconds(pid);
        _machineStart = ProcStat.Machine();
        _loop = LoopAsync(interval);
    }

    public IReadOnlyList<(double AtS, double CpuPercent, double RssMb, double MachinePercent)> Samples => _samples;

    /// <summary>Average CPU of the process over the sampled window, in % of one core.</summary>
    public double AverageCpuPercent => _elapsedS > 0 ? (_cpuEnd - _cpuStart) / _elapsedS * 100 : double.NaN;

    /// <summary>Average load of the whole machine over the window, in % of all cores.</summary>
    public double MachineBusyPercent => _machineEnd.Total > _machineStart.Total
        ? (_machineEnd.Busy - _machineStart.Busy) * 100.0 / (_machineEnd.Total - _machineStart.Total)
        : double.NaN;

    public double MaxRssMb => _samples.Count == 0 ? double.NaN : _samples.Max(s => s.RssMb);

    public double LastRssMb => _samples.Count == 0 ? double.NaN : _samples[^1].RssMb;

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        Finish();
        _cts.Dispose();
    }

    private void Finish()
    {
        _elapsedS = Clock.MsSince(_start) / 1000;
        if (ProcStat.Alive(_pid))
        {
            _cpuEnd = ProcStat.CpuSeconds(_pid);
        }

        _machineEnd = ProcStat.Machine();
    }

    private async Task LoopAsync(TimeSpan interval)
    {
        var lastCpu = _cpuStart;
        var lastAt = _start;
        var lastMachine = _machineStart;
        while (!_cts.IsCancellationRequested)
        {
            await Task.Delay(interval, _cts.Token);
            if (!ProcStat.Alive(_pid))
            {
                return;
            }

            var now = Clock.Now;
            var cpu = ProcStat.CpuSeconds(_pid);
            var machine = ProcStat.Machine();
            var dt = Clock.Ms(lastAt, now) / 1000;
            var machinePct = machine.Total > lastMachine.Total
                ? (machine.Busy - lastMachine.Busy) * 100.0 / (machine.Total - lastMachine.Total)
                : 0;
            _samples.Add((Clock.Ms(_start, now) / 1000, (cpu - lastCpu) / dt * 100, ProcStat.RssMb(_pid), machinePct));
            lastCpu = cpu;
            lastAt = now;
            lastMachine = machine;
        }
    }
}
