using Console.Contracts.Automations;
using Console.Core.Automations;
using Console.Web.Automations;
using Console.Web.Security;
using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Console.Web.Api;

/// <summary>Automations (docs/automations.md). Viewers read them and their deliveries; operators and admins change and test them.</summary>
public static class AutomationEndpoints
{
    public static IEndpointRouteBuilder MapAutomationEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/automations").WithTags("Automations").RequireAuthorization(SecurityPolicies.Console);
        group.MapGet("/", List).WithSummary("List automations");
        group.MapPost("/", Create).WithSummary("Create an automation: a trigger and its actions");
        group.MapPost("/preview", Preview).WithSummary("Which recent events a trigger would have matched");
        group.MapGet("/{id}", Get).WithSummary("Get an automation (by id or name)");
        group.MapPatch("/{id}", Update).WithSummary("Update an automation; absent fields stay");
        group.MapDelete("/{id}", Delete).WithSummary("Delete an automation and its deliveries");
        group.MapPost("/{id}/test", Test).WithSummary("Fire the automation's actions once with a sample event");
        group.MapGet("/{id}/deliveries", Deliveries).WithSummary("The attempts of the automation's actions, newest first");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<AutomationDto>>> List(AutomationService automations, CancellationToken ct) =>
        TypedResults.Ok(await automations.ListAsync(ct));

    public static async Task<Created<AutomationDto>> Create(CreateAutomationRequest request, AutomationService automations, CancellationToken ct)
    {
        var automation = await automations.CreateAsync(request, ct);
        return TypedResults.Created($"/api/automations/{automation.Id}", automation);
    }

    public static async Task<Ok<IReadOnlyList<EventDto>>> Preview(AutomationPreviewRequest request, AutomationService automations, CancellationToken ct) =>
        TypedResults.Ok(await automations.PreviewAsync(request, ct));

    public static async Task<Ok<AutomationDto>> Get(string id, AutomationService automations, CancellationToken ct) =>
        TypedResults.Ok(await automations.GetAsync(id, ct));

    public static async Task<Ok<AutomationDto>> Update(string id, UpdateAutomationRequest request, AutomationService automations, CancellationToken ct) =>
        TypedResults.Ok(await automations.UpdateAsync(id, request, ct));

    public static async Task<NoContent> Delete(string id, AutomationService automations, CancellationToken ct)
    {
        await automations.DeleteAsync(id, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Accepted<AutomationTestResult>> Test(string id, AutomationService automations, IBackgroundJobClient jobs, CancellationToken ct)
    {
        var result = await automations.TestAsync(id, ct);
        jobs.Kick();
        return TypedResults.Accepted($"/api/automations/{id}/deliveries", result);
    }

    public static async Task<Ok<IReadOnlyList<DeliveryDto>>> Deliveries(string id, int? limit, AutomationService automations, CancellationToken ct) =>
        TypedResults.Ok(await automations.DeliveriesAsync(id, limit, ct));
}
