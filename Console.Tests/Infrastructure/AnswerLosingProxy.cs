using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Console.Tests.Infrastructure;

/// <summary>
/// A reverse proxy on loopback in front of a real server that loses the answer of the first request
/// it is told to: the server did the work, the client sees a 502 (a balancer whose replica died
/// after writing). Every other request and answer passes through unchanged.
/// </summary>
public sealed class AnswerLosingProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Transfer-Encoding", "Keep-Alive", "Upgrade", "Content-Length",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _upstream;

    private AnswerLosingProxy(WebApplication app, HttpClient upstream)
    {
        _app = app;
        _upstream = upstream;
        Url = app.Urls.First().TrimEnd('/');
    }

    public string Url { get; }

    /// <summary>The requests that matched, each with the value of the header asked for.</summary>
    public ConcurrentQueue<string?> Matched { get; } = new();

    public int Lost { get; private set; }

    public static async Task<AnswerLosingProxy> StartAsync(string target, Func<HttpRequest, bool> lose, string recordHeader)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var upstream = new HttpClient { BaseAddress = new Uri(target.TrimEnd('/') + "/") };
        AnswerLosingProxy? proxy = null;
        app.Run(async context =>
        {
            var matched = lose(context.Request);
            if (matched)
            {
                proxy!.Matched.Enqueue(context.Request.Headers[recordHeader].FirstOrDefault());
            }

            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path.Value!.TrimStart('/') + context.Request.QueryString);
            if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
            {
                var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                request.Content = new ByteArrayContent(body.ToArray());
            }

            foreach (var (name, values) in context.Request.Headers)
            {
                if (!HopHeaders.Contains(name) && !request.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values!))
                {
                    request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values!);
                }
            }

            using var answer = await upstream.SendAsync(request, context.RequestAborted);
            if (matched && proxy!.Lost == 0)
            {
                proxy.Lost++;
                context.Response.StatusCode = (int)HttpStatusCode.BadGateway;
                return;
            }

            context.Response.StatusCode = (int)answer.StatusCode;
            foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
            {
                if (!HopHeaders.Contains(name))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }

            await answer.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
        await app.StartAsync();
        proxy = new AnswerLosingProxy(app, upstream);
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
