using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Console.Core.Deployments;
using Console.Core.Deployments.Preflight;
using Console.Projects.Images;
using Microsoft.Extensions.Options;

namespace Console.Web.Deployments;

/// <summary>
/// Asks an image's registry for its manifest with the distribution API's <c>HEAD /v2/NAME/manifests/REF</c>,
/// anonymously (a bearer token from the registry's own token service when it asks for one, as
/// <c>docker pull</c> does). Registries on loopback are asked over HTTP, as Docker allows; others over HTTPS.
/// </summary>
public sealed class RegistryManifestProbe(IHttpClientFactory clients, IOptions<DeploymentOptions> options) : IImageRegistry
{
    public const string ClientName = "registry-probe";
    private const string DockerHub = "registry-1.docker.io";

    private static readonly string[] TokenParameters = ["service", "scope"];

    private static readonly string[] ManifestTypes =
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ];

    public async Task<ImageLookup> LookUpAsync(string image, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!options.Value.ProbeRegistries)
        {
            return new(ImagePresence.Unknown, "registries are not asked on this server (Deployments:ProbeRegistries is off)");
        }

        var at = image.IndexOf('@', StringComparison.Ordinal);
        ImageReference reference;
        try
        {
            reference = ImageReference.Parse(at < 0 ? image : image[..at]);
        }
        catch (ArgumentException ex)
        {
            return new(ImagePresence.Absent, $"is not a valid image reference: {ex.Message}");
        }

        var host = reference.Registry ?? DockerHub;
        var path = reference.Registry is { } r ? reference.FullName[(r.Length + 1)..]
            : reference.FullName.Contains('/', StringComparison.Ordinal) ? reference.FullName : "library/" + reference.FullName;
        var tagOrDigest = at < 0 ? reference.Tag : image[(at + 1)..];
        var scheme = IsLoopback(host) ? "http" : "https";
        var url = new Uri($"{scheme}://{host}/v2/{path}/manifests/{Uri.EscapeDataString(tagOrDigest)}");
        var where = $"registry {host}";
        try
        {
            var client = clients.CreateClient(ClientName);
            using var response = await HeadAsync(client, url, null, ct);
            var status = response.StatusCode;
            if (status == HttpStatusCode.Unauthorized && await AnonymousTokenAsync(client, response, scheme, host, ct) is { } token)
            {
                using var retried = await HeadAsync(client, url, token, ct);
                status = retried.StatusCode;
            }

            return status switch
            {
                HttpStatusCode.OK => new(ImagePresence.Present, $"{where} has it"),
                HttpStatusCode.NotFound => new(ImagePresence.Absent, $"is not in {where} (HEAD /v2/{path}/manifests/{tagOrDigest} answered 404)"),
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new(ImagePresence.Unknown, $"{where} answers only with credentials, which preflight does not use"),
                _ => new(ImagePresence.Unknown, $"{where} answered {(int)status}"),
            };
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new(ImagePresence.Unknown, $"this server could not reach {where} ({ex.Message})");
        }
    }

    private static async Task<HttpResponseMessage> HeadAsync(HttpClient client, Uri url, string? token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, url);
        foreach (var type in ManifestTypes)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    /// <summary>
    /// The token a <c>Bearer realm=...,service=...,scope=...</c> challenge offers anonymous readers. The
    /// realm must be HTTPS (or the registry's own loopback address): the registry chooses it, not us.
    /// </summary>
    private static async Task<string?> AnonymousTokenAsync(HttpClient client, HttpResponseMessage response, string scheme, string host, CancellationToken ct)
    {
        var challenge = response.Headers.WwwAuthenticate.FirstOrDefault(h => string.Equals(h.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase));
        if (challenge?.Parameter is not { Length: > 0 and < 2048 } parameter)
        {
            return null;
        }

        var values = ChallengeValues(parameter);
        if (!values.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri)
            || !(realmUri.Scheme == Uri.UriSchemeHttps || (scheme == "http" && realmUri.Authority == host)))
        {
            return null;
        }

        var query = string.Join("&", TokenParameters.Where(values.ContainsKey).Select(k => $"{k}={Uri.EscapeDataString(values[k])}"));
        var tokenUrl = new UriBuilder(realmUri) { Query = query }.Uri;
        using var answer = await client.GetAsync(tokenUrl, ct);
        if (!answer.IsSuccessStatusCode || answer.Content.Headers.ContentLength is > 1_000_000)
        {
            return null;
        }

        var body = JsonNode.Parse(await answer.Content.ReadAsStringAsync(ct)) as JsonObject;
        return (body?["token"] ?? body?["access_token"])?.GetValue<string>();
    }

    private static Dictionary<string, string> ChallengeValues(string parameter)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in parameter.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                values[part[..eq].Trim()] = part[(eq + 1)..].Trim().Trim('"');
            }
        }

        return values;
    }

    private static bool IsLoopback(string host)
    {
        var name = host.StartsWith('[') ? host[1..host.IndexOf(']', StringComparison.Ordinal)] : host.Split(':')[0];
        return name == "localhost" || (IPAddress.TryParse(name, out var address) && IPAddress.IsLoopback(address));
    }
}
