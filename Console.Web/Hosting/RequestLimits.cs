using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace Console.Web.Hosting;

/// <summary>
/// Bounds request bodies for the API. Kestrel enforces the limit on streamed bodies; the
/// Content-Length check answers at once with problem details, also under a test server.
/// </summary>
public static class RequestLimits
{
    public const long ApiBodyLimit = 1024 * 1024;
    public const long LogBodyLimit = 8 * 1024 * 1024;

    public static IApplicationBuilder UseApiRequestLimits(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api"))
            {
                var limit = context.Request.Path.Value!.EndsWith("/logs", StringComparison.Ordinal) ? LogBodyLimit : ApiBodyLimit;
                if (context.Request.ContentLength > limit)
                {
                    context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                    await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                    {
                        HttpContext = context,
                        ProblemDetails = new ProblemDetails
                        {
                            Status = StatusCodes.Status413PayloadTooLarge,
                            Title = "Request body too large",
                            Detail = $"This endpoint accepts at most {limit / 1024} KiB.",
                        },
                    });
                    return;
                }

                if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
                {
                    feature.MaxRequestBodySize = limit;
                }
            }

            await next(context);
        });
}
