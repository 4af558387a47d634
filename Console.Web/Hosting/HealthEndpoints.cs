using Console.Core.Persistence;

namespace Console.Web.Hosting;

public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", async (ConsoleDbContext db, CancellationToken ct) =>
                await db.Database.CanConnectAsync(ct)
                    ? Results.Ok(new { status = "Healthy" })
                    : Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The database does not answer"))
            .WithTags("Health")
            .WithSummary("200 when the app and its database answer");
        return app;
    }
}
