using Console.Contracts.Security;
using Console.Tests.Infrastructure;
using Console.Web.Security;
using Microsoft.Extensions.Options;

namespace Console.Tests.Security;

/// <summary>The identity provider's settings: groups to roles, and a half-made configuration stops the start.</summary>
public sealed class OidcOptionsTests
{
    [Fact]
    public void The_highest_mapped_role_wins_and_no_mapping_is_refused_unless_viewer_is_the_fallback()
    {
        var options = new OidcOptions { AdminGroups = ["admins"], OperatorGroups = ["ops"], ViewerGroups = ["eng"] };
        Assert.Equal(Roles.Admin, options.RoleFor(["eng", "ops", "admins"]));
        Assert.Equal(Roles.Operator, options.RoleFor(["eng", "ops"]));
        Assert.Equal(Roles.Viewer, options.RoleFor(["eng"]));
        Assert.Null(options.RoleFor(["marketing", "Ops"]));
        Assert.Equal(Roles.Viewer, new OidcOptions { OperatorGroups = ["ops"], UnmappedRole = Roles.Viewer }.RoleFor(["marketing"]));
    }

    [Theory]
    [InlineData("https://idp.example.com", null, "ops", null, "ClientId is required")]
    [InlineData("http://idp.example.com", "console", "ops", null, "must be https")]
    [InlineData("not a url", "console", "ops", null, "absolute https URL")]
    [InlineData("https://idp.example.com", "console", null, null, "map at least one group")]
    [InlineData("https://idp.example.com", "console", "ops", "admin", "UnmappedRole may only be 'viewer'")]
    public void A_half_made_configuration_is_refused_naming_the_setting(string authority, string? clientId, string? operators, string? unmapped, string message)
    {
        var options = new OidcOptions
        {
            Authority = authority, ClientId = clientId, OperatorGroups = operators is null ? [] : [operators], UnmappedRole = unmapped,
        };
        var result = new OidcOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(message, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_console_does_not_start_with_a_half_made_configuration()
    {
        using var factory = new HalfConfiguredFactory();
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        var invalid = error as OptionsValidationException ?? error.InnerException as OptionsValidationException;
        Assert.True(invalid is not null, $"expected an options validation error, got: {error}");
        Assert.Contains("Security:Oidc:ClientId is required", invalid.Message, StringComparison.Ordinal);
    }

    private sealed class HalfConfiguredFactory : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Security:Oidc:Authority"] = "https://idp.example.com/",
            ["Security:Oidc:OperatorGroups:0"] = "ops",
        };
    }
}
