using Console.Contracts.Security;
using Microsoft.Extensions.Options;

namespace Console.Web.Security;

/// <summary>
/// Sign-in with the team's identity provider over OpenID Connect (section "Security:Oidc"; env
/// <c>Security__Oidc__Authority=...</c>). Off while <see cref="Authority"/> is unset. A person's
/// role comes from the groups the provider names in the ID token (docs/security.md).
/// </summary>
public sealed class OidcOptions
{
    public const string Section = "Security:Oidc";

    /// <summary>The provider's issuer URL (its discovery document is at <c>/.well-known/openid-configuration</c> below it).</summary>
    public string? Authority { get; set; }

    /// <summary>What the sign-in page's button says: "Sign in with {DisplayName}".</summary>
    public string DisplayName { get; set; } = "your identity provider";

    public string? ClientId { get; set; }

    /// <summary>For confidential clients; leave unset for a public client (PKCE is always used).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Scopes asked for besides <c>openid</c>; none given: <c>profile</c> and <c>email</c>.</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>The ID token claim that lists the person's groups.</summary>
    public string GroupClaim { get; set; } = "groups";

    /// <summary>The ID token claim that becomes the console user name (normalised to lower case).</summary>
    public string UserNameClaim { get; set; } = "preferred_username";

    /// <summary>Group values that make a person an admin (the highest matching role wins).</summary>
    public List<string> AdminGroups { get; set; } = [];

    public List<string> OperatorGroups { get; set; } = [];

    public List<string> ViewerGroups { get; set; } = [];

    /// <summary>
    /// The role of someone in none of the groups above: unset refuses their sign-in; the only other
    /// value allowed is <c>viewer</c>.
    /// </summary>
    public string? UnmappedRole { get; set; }

    /// <summary>False only for an <c>http://</c> authority on loopback or a lab network (tests).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);

    /// <summary>The role the groups map to, or null when none does and unmapped people are refused.</summary>
    public string? RoleFor(IEnumerable<string> groups)
    {
        var set = groups.ToHashSet(StringComparer.Ordinal);
        return AdminGroups.Any(set.Contains) ? Roles.Admin
            : OperatorGroups.Any(set.Contains) ? Roles.Operator
            : ViewerGroups.Any(set.Contains) ? Roles.Viewer
            : string.IsNullOrEmpty(UnmappedRole) ? null : UnmappedRole;
    }
}

/// <summary>Checked at start: a half-configured provider fails the start, naming the setting.</summary>
internal sealed class OidcOptionsValidator : IValidateOptions<OidcOptions>
{
    public ValidateOptionsResult Validate(string? name, OidcOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var problems = new List<string>();
        if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
        {
            problems.Add($"{OidcOptions.Section}:Authority must be an absolute https URL.");
        }
        else if (authority.Scheme == "http" && options.RequireHttpsMetadata)
        {
            problems.Add($"{OidcOptions.Section}:Authority must be https (set RequireHttpsMetadata=false only for a test provider on a trusted network).");
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            problems.Add($"{OidcOptions.Section}:ClientId is required.");
        }

        if (string.IsNullOrWhiteSpace(options.GroupClaim) || string.IsNullOrWhiteSpace(options.UserNameClaim))
        {
            problems.Add($"{OidcOptions.Section}:GroupClaim and UserNameClaim cannot be empty.");
        }

        if (!string.IsNullOrEmpty(options.UnmappedRole) && options.UnmappedRole != Roles.Viewer)
        {
            problems.Add($"{OidcOptions.Section}:UnmappedRole may only be '{Roles.Viewer}' (or unset, which refuses people in no mapped group).");
        }

        if (options.AdminGroups.Count + options.OperatorGroups.Count + options.ViewerGroups.Count == 0 && string.IsNullOrEmpty(options.UnmappedRole))
        {
            problems.Add($"{OidcOptions.Section}: map at least one group (AdminGroups, OperatorGroups, ViewerGroups) or nobody can sign in.");
        }

        if (options.DisplayName.Length is 0 or > 60 || options.DisplayName.Any(char.IsControl))
        {
            problems.Add($"{OidcOptions.Section}:DisplayName must be 1-60 printable characters.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
