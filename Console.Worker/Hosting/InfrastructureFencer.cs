using Console.Contracts;
using Console.Contracts.Common;
using Console.Worker.Api;
using Console.Worker.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Console.Worker.Hosting;

/// <summary>
/// The worker's part of fencing (docs/reliability.md): it lists what its engine shows with the
/// pool's labels, whichever worker started it, asks the server which of it no run owns any more,
/// stops and removes that, and reports it released so the slots its ended runs held are freed.
/// </summary>
public sealed partial class InfrastructureFencer(IConsoleApi api, WorkerIdentity identity, ILogger<InfrastructureFencer> logger)
{
    /// <returns>How many containers or services it removed.</returns>
    public async Task<int> FenceAsync(string pool, IInfrastructure infrastructure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(infrastructure);
        if (await infrastructure.FindPoolInfrastructureAsync(pool, cancellationToken) is not { } found)
        {
            return 0; // this type cannot see what a lost worker left: the server's hold bound applies
        }

        // Labels are written by whoever made the container: send only what the server can judge.
        var judged = found.Where(f => f.WorkerName is null || Names.IsValid(f.WorkerName))
            .Take(ReconcileRequest.MaxItems).ToList();
        var answer = await api.ReconcileAsync(pool, new ReconcileRequest
        {
            WorkerName = identity.Name,
            Infrastructure = [.. judged.Select(f => new FoundInfrastructure
            {
                FlowRunId = f.RunId,
                InfrastructureId = f.InfrastructureId,
                WorkerName = f.WorkerName,
                IsRunning = f.IsRunning,
            })],
        }, cancellationToken);

        var removed = new List<ReleasedInfrastructure>();
        foreach (var item in answer.Remove)
        {
            if (judged.FirstOrDefault(f => f.RunId == item.FlowRunId && f.InfrastructureId == item.InfrastructureId) is not { } orphan)
            {
                continue;
            }

            try
            {
                // A stopped container the job asked to keep (auto_remove false) stays for inspection.
                if (orphan.IsRunning || orphan.AutoRemove)
                {
                    await infrastructure.RemoveOrphanAsync(orphan, cancellationToken);
                }

                removed.Add(new ReleasedInfrastructure(orphan.RunId, orphan.InfrastructureId));
                LogFenced(logger, pool, ShortId(orphan.InfrastructureId), orphan.RunId, orphan.WorkerName, item.Reason);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogFenceFailed(logger, pool, ShortId(orphan.InfrastructureId), orphan.RunId, ex.Message);
            }
        }

        if (removed.Count > 0)
        {
            await api.ReportReleasedAsync(pool, new ReleasedRequest { WorkerName = identity.Name, Infrastructure = removed }, cancellationToken);
        }

        return removed.Count;
    }

    private static string ShortId(string id) => id.Length > 12 ? id[..12] : id;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pool {Pool}: stopped and removed {InfrastructureId} of run {RunId} (started by worker {Worker}): {Reason}")]
    private static partial void LogFenced(ILogger logger, string pool, string infrastructureId, Guid runId, string? worker, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pool {Pool}: could not remove {InfrastructureId} of run {RunId}: {Reason}")]
    private static partial void LogFenceFailed(ILogger logger, string pool, string infrastructureId, Guid runId, string reason);
}
