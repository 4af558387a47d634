using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Deployments;
using Console.Core.Deployments;
using Console.Core.Deployments.Preflight;
using Console.Core.FlowRuns;
using Console.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Console.Web.Api;

public static class DeploymentEndpoints
{
    public static IEndpointRouteBuilder MapDeploymentEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/deployments").WithTags("Deployments").RequireAuthorization(SecurityPolicies.Console);
        group.MapGet("/", List).WithSummary("List deployments, filtered by ?pool= and ?flow=");
        group.MapPost("/", Create).WithSummary("Create a deployment of a flow on a work pool");
        group.MapPost("/preflight", Preflight)
            .WithSummary("Check a deployment body without saving it: the rendered job and every check with its verdict")
            .WithDescription("Takes the body of POST /api/deployments. Problems of the body are failed checks (200), not 400/422; nothing is saved.");
        group.MapGet("/{id:guid}", Get).WithSummary("Get a deployment");
        group.MapGet("/by-name/{flow}/{deployment}", GetByName).WithSummary("Get a deployment by 'flow/deployment'");
        group.MapPatch("/{id:guid}", Update).WithSummary("Update a deployment");
        group.MapDelete("/{id:guid}", Delete).WithSummary("Delete a deployment; its runs that never started are cancelled");
        group.MapPost("/{id:guid}/runs", CreateRun).WithSummary("Run a deployment: creates a Scheduled flow run (201), or answers the run an earlier request with the same Idempotency-Key made (200)");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<DeploymentDto>>> List(string? pool, string? flow, DeploymentService deployments, CancellationToken ct) =>
        TypedResults.Ok(await deployments.ListAsync(pool, flow, ct));

    public static async Task<Created<DeploymentDto>> Create(CreateDeploymentRequest request, DeploymentService deployments, CancellationToken ct)
    {
        var deployment = await deployments.CreateAsync(request, ct);
        return TypedResults.Created($"/api/deployments/{deployment.Id}", deployment);
    }

    public static async Task<Ok<PreflightResultDto>> Preflight(CreateDeploymentRequest request, DeploymentPreflight preflight, CancellationToken ct) =>
        TypedResults.Ok(await preflight.CheckAsync(request, ct));

    public static async Task<Ok<DeploymentDto>> Get(Guid id, DeploymentService deployments, CancellationToken ct) =>
        TypedResults.Ok(await deployments.GetAsync(id, ct));

    public static async Task<Ok<DeploymentDto>> GetByName(string flow, string deployment, DeploymentService deployments, CancellationToken ct) =>
        TypedResults.Ok(await deployments.GetByNameAsync(flow, deployment, ct));

    public static async Task<Ok<DeploymentDto>> Update(Guid id, UpdateDeploymentRequest request, DeploymentService deployments, CancellationToken ct) =>
        TypedResults.Ok(await deployments.UpdateAsync(id, request, ct));

    public static async Task<NoContent> Delete(Guid id, DeploymentService deployments, CancellationToken ct)
    {
        await deployments.DeleteAsync(id, ct);
        return TypedResults.NoContent();
    }

    /// <summary>201 with a new run; 200 with the earlier run when the <c>Idempotency-Key</c> header repeats one used for this deployment within 24 h.</summary>
    public static async Task<Results<Created<FlowRunDto>, Ok<FlowRunDto>>> CreateRun(
        Guid id, CreateFlowRunRequest? request, HttpRequest http, DeploymentService deployments, CancellationToken ct)
    {
        // Read raw: header binding turns a sent-but-empty key into "no key", which must be refused instead.
        var sent = http.Headers[FlowRunIdempotency.Header];
        var idempotencyKey = sent.Count switch
        {
            0 => null,
            1 => sent[0] ?? "",
            _ => throw new InvalidRequestException(FlowRunIdempotency.Header, $"Send one {FlowRunIdempotency.Header} header."),
        };
        var (run, created) = await deployments.CreateRunAsync(id, request ?? new CreateFlowRunRequest(), idempotencyKey, ct);
        return created ? TypedResults.Created($"/api/flow-runs/{run.Id}", run) : TypedResults.Ok(run);
    }
}
