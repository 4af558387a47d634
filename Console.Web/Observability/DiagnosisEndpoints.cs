using Console.Contracts.Diagnostics;
using Console.Core.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Console.Web.Observability;

public static class DiagnosisEndpoints
{
    public static IEndpointRouteBuilder MapDiagnosisEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Diagnosis");
        group.MapGet("/flow-runs/{id:guid}/diagnosis", FlowRun)
            .WithSummary("Why a run is not running (every reason, with numbers), or what it is doing; ?format=text for plain text");
        group.MapGet("/work-pools/{pool}/queues/{queue}/diagnosis", WorkQueue)
            .WithSummary("Why a work queue is NotReady: last polled, which workers serve it");
        group.MapGet("/work-pools/{pool}/workers/{worker}/diagnosis", Worker)
            .WithSummary("Why a worker is Offline: last heartbeat, interval, the missed-heartbeats rule");
        return app;
    }

    public static async Task<Results<Ok<DiagnosisDto>, ContentHttpResult>> FlowRun(
        Guid id, string? format, DiagnosisService diagnoses, ILogger<DiagnosisService> logger, CancellationToken ct)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["FlowRunId"] = id });
        return Answer(await diagnoses.FlowRunAsync(id, ct), format);
    }

    public static async Task<Results<Ok<DiagnosisDto>, ContentHttpResult>> WorkQueue(
        string pool, string queue, string? format, DiagnosisService diagnoses, CancellationToken ct) =>
        Answer(await diagnoses.WorkQueueAsync(pool, queue, ct), format);

    public static async Task<Results<Ok<DiagnosisDto>, ContentHttpResult>> Worker(
        string pool, string worker, string? format, DiagnosisService diagnoses, ILogger<DiagnosisService> logger, CancellationToken ct)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["WorkerName"] = worker, ["WorkPool"] = pool });
        return Answer(await diagnoses.WorkerAsync(pool, worker, ct), format);
    }

    private static Results<Ok<DiagnosisDto>, ContentHttpResult> Answer(DiagnosisDto diagnosis, string? format) =>
        string.Equals(format, "text", StringComparison.OrdinalIgnoreCase)
            ? TypedResults.Text(DiagnosisText.Render(diagnosis), "text/plain; charset=utf-8")
            : TypedResults.Ok(diagnosis);
}
