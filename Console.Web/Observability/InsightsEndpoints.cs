using Console.Contracts.Metrics;
using Console.Core.Metrics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Console.Web.Observability;

public static class InsightsEndpoints
{
    public static IEndpointRouteBuilder MapInsightsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/insights").WithTags("Insights");
        group.MapGet("/", Get).WithSummary("Chart series: runs per state, backlog, dispatch latency; ?pool=&deployment=&range=Hour|Day|Week");
        group.MapGet("/usage", Usage).WithSummary("CPU-hours and peak memory per deployment of the runs ended in the range; ?pool=&deployment=&range=Hour|Day|Week");
        group.MapGet("/pools", Pools).WithSummary("Every pool's backlog and active runs right now");
        return app;
    }

    public static async Task<Ok<InsightsDto>> Get(string? pool, Guid? deployment, InsightsRange? range, InsightsService insights, CancellationToken ct) =>
        TypedResults.Ok(await insights.GetAsync(new InsightsQuery { Pool = pool, Deployment = deployment, Range = range ?? InsightsRange.Hour }, ct));

    public static async Task<Ok<UsageInsightsDto>> Usage(string? pool, Guid? deployment, InsightsRange? range, InsightsService insights, CancellationToken ct) =>
        TypedResults.Ok(await insights.UsageAsync(new InsightsQuery { Pool = pool, Deployment = deployment, Range = range ?? InsightsRange.Day }, ct));

    public static async Task<Ok<IReadOnlyList<InsightsPool>>> Pools(InsightsService insights, CancellationToken ct) =>
        TypedResults.Ok(await insights.PoolsAsync(ct));
}
