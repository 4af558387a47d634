using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Console.Tests.Automations;

/// <summary>
/// A real HTTP receiver for webhooks: Kestrel on a free loopback port. It keeps every request (raw
/// body and headers) and answers each with the next status of its script, then 200. A script entry
/// of <see cref="Hold"/> never answers: the request is held until its client goes away (a sender
/// killed mid-attempt).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    /// <summary>A script entry: keep the request open without answering until the client disconnects.</summary>
    public const int Hold = -1;

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _script;

    private WebhookReceiver(WebApplication app, IEnumerable<int> script)
    {
        _app = app;
        _script = new ConcurrentQueue<int>(script);
    }

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    /// <summary>The requests answered, with the status they were given (a held one is not among them).</summary>
    public ConcurrentQueue<(ReceivedWebhook Request, int Status)> Answered { get; } = new();

    /// <summary>Completed when a request is being held (see <see cref="Hold"/>).</summary>
    public TaskCompletionSource<ReceivedWebhook> Holding { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Url { get; private set; } = string.Empty;

    public static async Task<WebhookReceiver> StartAsync(params int[] script)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, script);
        app.MapPost("/{**path}", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            var received = new ReceivedWebhook(
                http.Request.Path, body.ToArray(),
                http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
            receiver.Received.Enqueue(received);
            var status = receiver._script.TryDequeue(out var next) ? next : 200;
            if (status == Hold)
            {
                receiver.Holding.TrySetResult(received);
                // Until the sender's connection drops (or the receiver stops).
                await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return Results.Empty;
            }

            receiver.Answered.Enqueue((received, status));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/hooks";
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record ReceivedWebhook(string Path, byte[] Body, IReadOnlyDictionary<string, string> Headers)
{
    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : string.Empty;
}
