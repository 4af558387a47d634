using Console.Web.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Npgsql;

namespace Console.Tests.Web.Hosting;

/// <summary>
/// What the server's log says about a request that failed: an operator reads an error line as a
/// fault to look into, so a request the client walked away from leaves none, whatever the abort
/// made the database provider throw; a failure nobody caused stays an error.
/// </summary>
public sealed class ExceptionHandlerTests
{
    [Fact]
    public async Task A_provider_error_on_a_request_its_client_abandoned_is_not_logged_as_an_error()
    {
        var (handler, log) = Handler();
        var http = Request(aborted: true);

        // What Npgsql throws when a claim's transaction is cut by the request's cancellation.
        var handled = await handler.TryHandleAsync(http, new NpgsqlException("Exception while reading from stream"), CancellationToken.None);

        Assert.True(handled);
        Assert.DoesNotContain(log.GetSnapshot(), r => r.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task The_same_error_on_a_request_still_waiting_for_its_answer_is_logged_as_an_error()
    {
        var (handler, log) = Handler();
        var http = Request(aborted: false);

        var handled = await handler.TryHandleAsync(http, new NpgsqlException("Exception while reading from stream"), CancellationToken.None);

        Assert.False(handled); // the framework answers 500
        var error = Assert.Single(log.GetSnapshot(), r => r.Level == LogLevel.Error);
        Assert.Contains("/api/work-pools/p/poll", error.Message, StringComparison.Ordinal);
    }

    private static (ConsoleExceptionHandler Handler, FakeLogCollector Log) Handler()
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var logger = new FakeLogger<ConsoleExceptionHandler>();
        return (new ConsoleExceptionHandler(services.GetRequiredService<IProblemDetailsService>(), logger), logger.Collector);
    }

    private static DefaultHttpContext Request(bool aborted)
    {
        var http = new DefaultHttpContext { RequestAborted = new CancellationToken(aborted) };
        http.Request.Method = "POST";
        http.Request.Path = "/api/work-pools/p/poll";
        return http;
    }
}
