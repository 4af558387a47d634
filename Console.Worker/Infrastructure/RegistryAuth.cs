using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Console.Contracts.Security;
using Console.Projects.Images;
using Docker.DotNet.Models;

namespace Console.Worker.Infrastructure;

/// <summary>
/// The credentials a docker or Swarm worker pulls a run's image with: the value of the secret the
/// <c>registry_credentials</c> job variable names (already substituted into the configuration),
/// either <c>{"username","password"}</c>, <c>{"auth": base64("user:password")}</c> or a docker
/// config (<c>{"auths": {"host": {...}}}</c>, the entry of the image's registry).
/// </summary>
public static class RegistryAuth
{
    /// <summary>Null when the configuration has no credentials (an anonymous pull).</summary>
    /// <exception cref="InfrastructureException">Credentials in a shape none of the above; the message never holds the value.</exception>
    public static AuthConfig? From(JsonObject config, string image)
    {
        ArgumentNullException.ThrowIfNull(config);
        var value = config[SecretReferences.RegistryCredentialsVariable] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonObject obj => obj.ToJsonString(),
            _ => throw Invalid(),
        };
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        JsonObject parsed;
        try
        {
            parsed = JsonNode.Parse(value) as JsonObject ?? throw Invalid();
        }
        catch (JsonException)
        {
            throw Invalid();
        }

        var registry = Registry(image);
        if (parsed["auths"] is JsonObject auths)
        {
            // Only the entry of the image's own registry: another registry's login is never sent
            // to this one, even when it is the only entry.
            var entry = auths.FirstOrDefault(a => SameRegistry(a.Key, registry)).Value as JsonObject
                ?? throw new InfrastructureException(
                    $"The registry credentials (a docker config) have no entry for {registry ?? "Docker Hub"}, the registry of image '{image}'.");
            parsed = entry;
        }

        var (username, password) = Credentials(parsed);
        return new AuthConfig
        {
            Username = username,
            Password = password,
            ServerAddress = registry ?? "https://index.docker.io/v1/",
        };
    }

    private static (string Username, string Password) Credentials(JsonObject entry)
    {
        if (Text(entry, "username") is { } username && Text(entry, "password") is { } password)
        {
            return (username, password);
        }

        if (Text(entry, "auth") is { } auth)
        {
            try
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
                var colon = pair.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    return (pair[..colon], pair[(colon + 1)..]);
                }
            }
            catch (FormatException)
            {
                // falls through to the readable error below
            }
        }

        throw Invalid();
    }

    private static string? Text(JsonObject obj, string key) =>
        obj[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { Length: > 0 } s ? s : null;

    private static string? Registry(string image)
    {
        try
        {
            return ImageReference.Parse(image).Registry;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether a docker config key names the image's registry (null: Docker Hub). Compared after
    /// normalising: no scheme, no path, lower case, and Docker Hub's aliases as one.
    /// </summary>
    internal static bool SameRegistry(string key, string? registry) =>
        string.Equals(Normalize(key), Normalize(registry ?? DockerHub), StringComparison.Ordinal);

    private const string DockerHub = "docker.io";

    private static string Normalize(string address)
    {
        var host = address.Trim();
        foreach (var scheme in new[] { "https://", "http://" })
        {
            if (host.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                host = host[scheme.Length..];
            }
        }

        host = host.Split('/')[0].ToLowerInvariant();
        return host is "docker.io" or "index.docker.io" or "registry-1.docker.io" ? DockerHub : host;
    }

    private static InfrastructureException Invalid() => new(
        $"The secret named by '{SecretReferences.RegistryCredentialsVariable}' must hold {{\"username\": ..., \"password\": ...}}, {{\"auth\": base64(\"user:password\")}} or a docker config with \"auths\".");
}
