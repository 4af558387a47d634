using System.Text.RegularExpressions;

namespace Console.Projects.Images;

/// <summary>
/// An image's <c>repository/name:tag</c>. The repository is optional (a local-only image) and may
/// start with a registry host, e.g. <c>127.0.0.1:5000/team</c>. Checked against Docker's reference
/// grammar up front, so a bad name reads better than the engine's "invalid reference format".
/// </summary>
public sealed partial record ImageReference
{
    public const string DefaultTag = "latest";

    private ImageReference(string? repository, string name, string tag)
    {
        Repository = repository;
        Name = name;
        Tag = tag;
    }

    /// <summary>e.g. <c>my-user</c> or <c>127.0.0.1:5000/console-test</c>; null for a local-only image.</summary>
    public string? Repository { get; }

    /// <summary>The image's own name, e.g. <c>get-repo-info</c>.</summary>
    public string Name { get; }

    public string Tag { get; }

    /// <summary>Everything before the tag: what <c>docker push</c> and <c>docker pull</c> call the repository.</summary>
    public string FullName => Repository is null ? Name : $"{Repository}/{Name}";

    /// <summary>The registry host the image is pushed to and pulled from (e.g. <c>127.0.0.1:5000</c>); null for Docker Hub or a local-only image.</summary>
    public string? Registry => Repository?.Split('/')[0] is { } first && IsRegistryHost(first) ? first : null;

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex PathComponent();

    [GeneratedRegex(@"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex RegistryHost();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    /// <exception cref="ArgumentException">A part that Docker would refuse, with the reason.</exception>
    public static ImageReference Create(string? repository, string name, string? tag = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var repo = string.IsNullOrWhiteSpace(repository) ? null : repository.Trim().Trim('/');
        var image = name.Trim();
        var version = string.IsNullOrWhiteSpace(tag) ? DefaultTag : tag.Trim();
        if (image.Length == 0 || !image.Split('/').All(PathComponent().IsMatch))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid image name: use lowercase letters and digits, separated by single '.', '_', '__' or dashes.", nameof(name));
        }

        if (repo is not null)
        {
            var parts = repo.Split('/');
            var hasHost = IsRegistryHost(parts[0]);
            if (!parts.Select((p, i) => i == 0 && hasHost ? RegistryHost().IsMatch(p) : PathComponent().IsMatch(p)).All(ok => ok))
            {
                throw new ArgumentException(
                    $"'{repository}' is not a valid repository: an optional registry host (such as 127.0.0.1:5000) then lowercase path parts, e.g. my-user or 127.0.0.1:5000/team.", nameof(repository));
            }
        }

        if (!TagPattern().IsMatch(version))
        {
            throw new ArgumentException(
                $"'{tag}' is not a valid tag: up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'.", nameof(tag));
        }

        var reference = new ImageReference(repo, image, version);
        return reference.ToString().Length <= 255
            ? reference
            : throw new ArgumentException($"'{reference}' is longer than Docker's 255 characters.", nameof(name));
    }

    /// <summary>Reads <c>[host[:port]/]path/name[:tag]</c>; a digest (<c>@sha256:...</c>) is not supported.</summary>
    public static ImageReference Parse(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var text = reference.Trim();
        if (text.Contains('@', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{reference}': image references with a digest are not supported here; use a tag.", nameof(reference));
        }

        var slash = text.LastIndexOf('/');
        var colon = text.LastIndexOf(':');
        string? tag = null;
        if (colon > slash)
        {
            tag = text[(colon + 1)..];
            text = text[..colon];
        }

        slash = text.LastIndexOf('/');
        return slash < 0 ? Create(null, text, tag) : Create(text[..slash], text[(slash + 1)..], tag);
    }

    public override string ToString() => $"{FullName}:{Tag}";

    // Docker's rule: the first part is a registry when it has a '.' or ':' or is 'localhost'.
    private static bool IsRegistryHost(string part) =>
        part.Contains('.', StringComparison.Ordinal) || part.Contains(':', StringComparison.Ordinal) || part == "localhost";
}
