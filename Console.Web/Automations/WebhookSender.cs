using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Console.Contracts.Automations;
using Console.Contracts.Common;
using Console.Core.Automations;
using Microsoft.Extensions.Options;

namespace Console.Web.Automations;

/// <summary>
/// POSTs a webhook (docs/automations.md): the JSON body, <c>Console-Event</c>, <c>Console-Delivery</c>
/// (the same on every retry) and, with a secret, <c>Console-Signature: sha256=&lt;hex HMAC-SHA256 of
/// the raw body&gt;</c>. 2xx succeeds; timeouts, connection failures, 429 and 5xx are retried; any
/// other answer is final. Redirects are not followed (they could lead anywhere).
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients, IOptions<AutomationOptions> options, WebhookSecrets secrets) : IWebhookSender
{
    public const string ClientName = "webhooks";

    public async Task<ActionOutcome> SendAsync(Automation automation, AutomationAction action, AutomationDelivery delivery, EventDto e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(automation);
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(e);
        var body = Encoding.UTF8.GetBytes(WebhookBody.Render(action.Body, automation, e));
        using var request = new HttpRequestMessage(HttpMethod.Post, action.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation("User-Agent", "Console-Webhooks/1");
        request.Headers.TryAddWithoutValidation("Console-Event", e.Type);
        request.Headers.TryAddWithoutValidation("Console-Delivery", delivery.Id.ToString());
        if (action.Secret is { } stored)
        {
            try
            {
                request.Headers.TryAddWithoutValidation("Console-Signature", Signature(secrets.Unprotect(stored, automation.Name), body));
            }
            catch (InvalidOperationException ex)
            {
                // Keys lost or not shared: sending unsigned would mislead the receiver, and a retry will not find the keys.
                return ActionOutcome.Final(null, ex.Message, 0);
            }
        }

        foreach (var (name, value) in action.Headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.WebhookTimeoutSeconds));
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var code = (int)response.StatusCode;
            var elapsed = clock.ElapsedMilliseconds;
            return code switch
            {
                >= 200 and < 300 => ActionOutcome.Success(code, elapsed),
                429 => ActionOutcome.Retry(code, "429 Too Many Requests", elapsed, RetryAfter(response)),
                >= 500 => ActionOutcome.Retry(code, $"{code} {response.ReasonPhrase}", elapsed),
                >= 300 and < 400 => ActionOutcome.Final(code, "The receiver answered with a redirect; webhooks do not follow redirects.", elapsed),
                _ => ActionOutcome.Final(code, $"{code} {response.ReasonPhrase}", elapsed),
            };
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return ActionOutcome.Retry(null, $"No answer within {options.Value.WebhookTimeoutSeconds} s.", clock.ElapsedMilliseconds);
        }
        catch (HttpRequestException ex) when (ex.InnerException is WebhookAddressException refused)
        {
            return ActionOutcome.Final(null, refused.Message, clock.ElapsedMilliseconds);
        }
        catch (HttpRequestException ex)
        {
            return ActionOutcome.Retry(null, ex.Message, clock.ElapsedMilliseconds);
        }
    }

    /// <summary>The header value for a body signed with a secret: <c>sha256=</c> and the lowercase hex HMAC-SHA256.</summary>
    public static string Signature(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    private static TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter?.Delta is { } delta && delta > TimeSpan.Zero ? TimeSpan.FromSeconds(Math.Min(delta.TotalSeconds, 3600)) : null;

    /// <summary>
    /// The handler of the webhook client: every address a host name resolves to is checked when the
    /// connection is made, not only when the automation was saved, so a name that resolves to a
    /// private address later (DNS rebinding) is refused.
    /// </summary>
    public static SocketsHttpHandler Handler(IOptions<AutomationOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = async (context, ct) =>
            {
                var addresses = await WebhookAddresses.ResolveAsync(context.DnsEndPoint.Host, options.Value.AllowPrivateNetworks == true, ct);
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
    }
}
