using System.ComponentModel.DataAnnotations;

namespace Console.Web.Security;

/// <summary>Settings of section "Security" (env: <c>Security__RequireAuth=true</c>).</summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>
    /// True: every request needs a user or key, even on loopback with none created yet. Unset: auth
    /// is on as soon as a user or key exists; before that only loopback requests run open, and the
    /// console refuses to start on any other address.
    /// </summary>
    public bool RequireAuth { get; set; }

    /// <summary>
    /// Folder for the keys that protect sign-in cookies and antiforgery tokens. Unset: ASP.NET's
    /// default (the user's profile). The container image points it at its data volume so that
    /// sign-ins survive a new container.
    /// </summary>
    public string? KeysDirectory { get; set; }

        /// <summary>Sign-in attempts per client address and rate-limit window (a minute unless changed).</summary>
    [Range(1, 100_000)]
    public int SignInPermitsPerMinute { get; set; } = 10;

    /// <summary>Calls to the key, user and audit endpoints per client address and rate-limit window.</summary>
    [Range(1, 100_000)]
    public int AdminPermitsPerMinute { get; set; } = 60;

    /// <summary>The fixed window the permits above count in; a minute, as their names say (shorter in tests).</summary>
    [Range(1, 3600)]
    public int RateLimitWindowSeconds { get; set; } = 60;

    /// <summary>How long a console sign-in lasts without use.</summary>
    [Range(5, 60 * 24 * 30)]
    public int SignInMinutes { get; set; } = 12 * 60;

    /// <summary>How long the token a run gets in <c>CONSOLE_API_KEY</c> lasts at most (it also ends with the run).</summary>
    [Range(1, 60 * 24 * 7)]
    public int RunTokenMinutes { get; set; } = 12 * 60;

    /// <summary>
    /// How often open UI circuits and hub connections are re-checked against the database (user
    /// still there with the same stamp and role, key still active); revocations close them at once
    /// anyway, this catches what no revocation event reached.
    /// </summary>
    [Range(5, 3600)]
    public int RevalidateSeconds { get; set; } = 60;
}
