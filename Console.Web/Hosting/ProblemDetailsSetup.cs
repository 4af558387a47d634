using Console.Contracts.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Console.Web.Hosting;

/// <summary>Every error leaves as RFC 7807 problem details, with a field-level errors map when one applies.</summary>
public static class ProblemDetailsSetup
{
    public static IServiceCollection AddConsoleProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<ConsoleExceptionHandler>();
        return services;
    }
}

internal sealed partial class ConsoleExceptionHandler(IProblemDetailsService problems, ILogger<ConsoleExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail, errors) = exception switch
        {
            InvalidRequestException e => (StatusCodes.Status400BadRequest, "Invalid request", e.Message, e.Errors),
            UnprocessableException e => (StatusCodes.Status422UnprocessableEntity, "Unprocessable request", e.Message, e.Errors),
            NotFoundException e => (StatusCodes.Status404NotFound, "Not found", e.Message, e.Errors),
            ConflictException e => (StatusCodes.Status409Conflict, "Conflict", e.Message, e.Errors),
            BadHttpRequestException e => (e.StatusCode, e.StatusCode == 413 ? "Request body too large" : "Malformed request", Describe(e), null),
            // Whatever the abort caused: a claim cut mid-transaction fails with the database
            // provider's own exception, not always a cancellation. Nobody is listening any more.
            _ when httpContext.RequestAborted.IsCancellationRequested => (499, "Client closed request", null, null),
            _ => (0, null, null, null),
        };

        if (status == 0)
        {
            LogUnhandled(logger, exception, httpContext.Request.Path);
            return false;
        }

        if (status == 499)
        {
            LogAborted(logger, exception, httpContext.Request.Path);
            return true;
        }

        httpContext.Response.StatusCode = status;
        var problem = errors is { Count: > 0 }
            ? new ValidationProblemDetails(errors.ToDictionary(k => k.Key, k => k.Value)) { Status = status, Title = title, Detail = detail }
            : new ProblemDetails { Status = status, Title = title, Detail = detail };
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>Names what was wrong with the body (the JSON reader's message says where) without echoing it.</summary>
    private static string Describe(BadHttpRequestException e) =>
        e.InnerException is System.Text.Json.JsonException json
            ? $"The request body is not valid JSON for this operation: {json.Message}"
            : e.Message;

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception ex, string path);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The client closed {Path} before its answer")]
    private static partial void LogAborted(ILogger logger, Exception ex, PathString path);
}
