using Console.Contracts;
using Console.Core.Fencing;
using Console.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Console.Web.Api;

/// <summary>Fencing: workers of a pool reconcile the infrastructure they see with the runs that own it (docs/reliability.md).</summary>
public static class InfrastructureEndpoints
{
    public static IEndpointRouteBuilder MapInfrastructureEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/work-pools/{pool}/infrastructure").WithTags("Workers").RequireAuthorization(SecurityPolicies.Console);
        group.MapPost("/reconcile", Reconcile)
            .WithSummary("Say which of the containers or services a worker found with the pool's labels no run owns any more")
            .WithDescription("Held slots of runs the calling worker ran, whose infrastructure it no longer finds, are released.");
        group.MapPost("/released", Released)
            .WithSummary("Report infrastructure a worker stopped and removed")
            .WithDescription("Runs the lease reaper ended keep their concurrency slot until this report (or the hold bound) frees it.");
        return app;
    }

    public static async Task<Ok<ReconcileAnswer>> Reconcile(string pool, ReconcileRequest request, InfrastructureFencingService fencing, CancellationToken ct) =>
        TypedResults.Ok(await fencing.ReconcileAsync(pool, request, ct));

    public static async Task<Ok<ReleasedAnswer>> Released(string pool, ReleasedRequest request, InfrastructureFencingService fencing, CancellationToken ct) =>
        TypedResults.Ok(await fencing.ReleaseAsync(pool, request, ct));
}
