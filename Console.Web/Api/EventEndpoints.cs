using Console.Contracts.Automations;
using Console.Core.Events;
using Console.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Console.Web.Api;

public static class EventEndpoints
{
    public static IEndpointRouteBuilder MapEventEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/events").WithTags("Events").RequireAuthorization(SecurityPolicies.Console);
        group.MapGet("/", List).WithSummary("The event stream, newest first; filters ?type=&pool=&deployment=&flowRun=&since=&limit=");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<EventDto>>> List(
        string? type, string? pool, Guid? deployment, Guid? flowRun, DateTime? since, int? limit, EventService events, CancellationToken ct) =>
        TypedResults.Ok(await events.ListAsync(new EventQuery(type, pool, deployment, flowRun, since, limit), ct));
}
