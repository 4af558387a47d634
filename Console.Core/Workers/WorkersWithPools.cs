using System.Linq.Expressions;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Workers;

/// <summary>
/// Workers with their pools, read without tracking for passes over the whole fleet (the foreman, the
/// timed triggers, the API's list). The pools are read once and shared: joined to each worker's row,
/// every pool's row (its base job template included) came back once per worker, and at 10,000 workers
/// each such pass read and built 10,000 copies of ten pools.
/// </summary>
public static class WorkersWithPools
{
    public static async Task<List<PoolWorker>> ReadAsync(ConsoleDbContext db, Expression<Func<PoolWorker, bool>>? where, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var query = db.Workers.AsNoTracking();
        if (where is not null)
        {
            query = query.Where(where);
        }

        // Workers first: a pool deleted between the two reads took its workers with it, so a worker
        // whose pool is missing is left out, as the join would have left it out a moment later.
        var workers = await query.ToListAsync(ct);
        if (workers.Count == 0)
        {
            return workers;
        }

        var pools = await db.WorkPools.AsNoTracking().ToDictionaryAsync(p => p.Id, ct);
        workers.RemoveAll(w => !pools.ContainsKey(w.PoolId));
        foreach (var worker in workers)
        {
            worker.Pool = pools[worker.PoolId];
        }

        return workers;
    }
}
