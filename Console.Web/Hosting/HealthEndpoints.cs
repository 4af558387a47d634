using Console.Core.Persistence;
using Console.Web.Jobs;

namespace Console.Web.Hosting;

public static partial class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", async (ConsoleDbContext db, ServerJobClock jobs, ILoggerFactory logs, CancellationToken ct) =>
            {
                if (!await db.Database.CanConnectAsync(ct))
                {
                    return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The database does not answer");
                }

                // Still 200 when a server job is overdue: every replica reads the same shared record,
                // so a balancer taking them out for it would take out the whole console.
                IReadOnlyList<ServerJobStatus> statuses;
                try
                {
                    statuses = await Task.Run(jobs.Current, ct);
                }
#pragma warning disable CA1031 // The job record is advisory; the database answered, so the replica serves.
                catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    LogJobsUnreadable(logs.CreateLogger("Console.Web.Health"), ex.Message);
                    return Results.Ok(new { status = "Healthy", jobs = Array.Empty<object>() });
                }

                var overdue = statuses.Where(s => s.Overdue).ToList();
                return Results.Ok(new
                {
                    status = overdue.Count == 0 ? "Healthy" : "Degraded",
                    jobs = statuses.Select(s => new { id = s.Id, status = s.Status, lastRunAt = s.LastRunAt, intervalSeconds = s.IntervalSeconds }),
                });
            })
            .WithTags("Health")
            .WithSummary("200 when the app and its database answer; status Degraded when a server job has not run for three of its intervals");
        return app;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read when the server jobs last ran: {Reason}")]
    private static partial void LogJobsUnreadable(ILogger logger, string reason);
}
