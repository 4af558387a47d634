using System.Net;
using Console.Core.Security;
using Microsoft.Extensions.Options;

namespace Console.Web.Security;

/// <summary>
/// Decides whether the console runs open: only while no user or key exists, auth is not required
/// by setting, the console listens on loopback only, and the request itself comes from this
/// machine (loopback address, a loopback Host name, no proxy headers). A request through a local
/// reverse proxy or a DNS-rebinding page is therefore never open.
/// </summary>
public sealed class SecurityGate(CredentialState credentials, IOptions<SecurityOptions> options, ListenState listen)
{
    private static readonly string[] ProxyHeaders = ["X-Forwarded-For", "X-Forwarded-Host", "Forwarded", "X-Real-IP"];

    public async ValueTask<bool> IsOpenAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return IsLocal(context) && await IsOpenAsync(context.RequestAborted);
    }

    /// <summary>The console-wide part of the rule (a UI circuit asks this; its connection was local when it opened).</summary>
    public async ValueTask<bool> IsOpenAsync(CancellationToken ct = default) =>
        !options.Value.RequireAuth && !listen.OnNetwork && !await credentials.AnyAsync(ct);

    public static bool IsLocal(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (ProxyHeaders.Any(context.Request.Headers.ContainsKey))
        {
            return false;
        }

        var host = context.Request.Host.Host;
        if (!string.IsNullOrEmpty(host) && !IsLoopbackHost(host))
        {
            return false;
        }

        // No address: the in-process test server or a Unix socket, both only reachable from this machine.
        return context.Connection.RemoteIpAddress is not { } address || IsLoopback(address);
    }

    public static bool IsLoopbackHost(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var name = host.Trim('[', ']');
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(name, out var address) && IsLoopback(address));
    }

    private static bool IsLoopback(IPAddress address) =>
        IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}

/// <summary>Where the console listens, as read from its configuration at start.</summary>
public sealed class ListenState
{
    public IReadOnlyList<string> Urls { get; private set; } = [];

    /// <summary>True when any address is reachable from other machines (0.0.0.0, *, a host name, a LAN address).</summary>
    public bool OnNetwork { get; private set; }

    internal void Set(IReadOnlyList<string> urls, bool onNetwork)
    {
        Urls = urls;
        OnNetwork = onNetwork;
    }
}
