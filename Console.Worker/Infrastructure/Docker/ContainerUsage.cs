using Console.Worker.Infrastructure.Usage;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Console.Worker.Infrastructure.Docker;

/// <summary>
/// Samples a container's CPU time and memory through the engine's stats API (one-shot reads, the
/// engine's own cgroup figures): <c>cpu_stats.cpu_usage.total_usage</c>, and <c>memory_stats.max_usage</c>
/// (the cgroup's peak, cgroup v1) or the current usage where the engine gives no peak (cgroup v2).
/// </summary>
internal static class ContainerUsage
{
    public static UsageSampler Start(DockerClient client, string containerId, TimeProvider time) =>
        UsageSampler.Start(ct => ReadAsync(client, containerId, ct), time);

    private static async Task<UsageSample?> ReadAsync(DockerClient client, string containerId, CancellationToken cancellationToken)
    {
        var reading = new LastReading();
        try
        {
            await client.Containers.GetContainerStatsAsync(containerId,
                new ContainerStatsParameters { Stream = false, OneShot = true }, reading, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            return null; // removed: nothing more to read
        }

        if (reading.Value is not { } stats)
        {
            return new UsageSample(null, null);
        }

        var cpuNanoseconds = stats.CPUStats?.CPUUsage?.TotalUsage ?? 0;
        var memory = stats.MemoryStats is { } m ? Math.Max(m.MaxUsage, m.Usage) : 0;
        return new UsageSample(cpuNanoseconds / 1e9, memory > long.MaxValue ? long.MaxValue : (long)memory);
    }

    /// <summary>Takes the reading on the caller's thread (a <see cref="Progress{T}"/> would post it later, after the call returned).</summary>
    private sealed class LastReading : IProgress<ContainerStatsResponse>
    {
        public ContainerStatsResponse? Value { get; private set; }

        public void Report(ContainerStatsResponse value) => Value = value;
    }
}
