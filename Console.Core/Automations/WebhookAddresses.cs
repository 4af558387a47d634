using System.Net;
using System.Net.Sockets;

namespace Console.Core.Automations;

/// <summary>
/// Which addresses a webhook may reach: none that is loopback, private, link-local, unique-local,
/// CGNAT, multicast, unspecified, NAT64 or 6to4 unless private networks are allowed (docs/automations.md). A
/// host name is resolved and every address checked; the sender checks again at connect time, so a
/// name that later resolves elsewhere (DNS rebinding) is refused too.
/// </summary>
public static class WebhookAddresses
{
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0 || b[0] == 10 || b[0] == 127 || (b[0] == 169 && b[1] == 254) || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 168) || (b[0] == 100 && b[1] >= 64 && b[1] <= 127) || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19)) || b[0] >= 224);
        }

        // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address that a gateway may turn into a private one.
        var v6 = address.GetAddressBytes();
        var nat64 = v6[0] == 0x00 && v6[1] == 0x64 && v6[2] == 0xff && v6[3] == 0x9b && v6.Skip(4).Take(8).All(b => b == 0);
        var sixToFour = v6[0] == 0x20 && v6[1] == 0x02;
        return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast || nat64 || sixToFour);
    }

    /// <summary>The addresses of <paramref name="host"/>; throws when one may not be reached (or none is found).</summary>
    public static async Task<IPAddress[]> ResolveAsync(string host, bool allowPrivate, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(host);
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (addresses.Length == 0)
        {
            throw new WebhookAddressException($"'{host}' has no address.");
        }

        if (!allowPrivate && addresses.FirstOrDefault(a => !IsPublic(a)) is { } refused)
        {
            throw new WebhookAddressException(
                $"'{host}' resolves to {refused}, a loopback or private address; webhooks may not call those unless Automations:AllowPrivateNetworks is true.");
        }

        return addresses;
    }
}

public sealed class WebhookAddressException(string message) : Exception(message);
