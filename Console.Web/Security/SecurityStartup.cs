using Console.Contracts.Common;
using Console.Core.Security;
using Microsoft.Extensions.Options;

namespace Console.Web.Security;

/// <summary>
/// What happens before the console listens: the one-time <c>--bootstrap-admin NAME</c> command,
/// then the listen check: exposed beyond loopback with no user or key, it refuses to start.
/// </summary>
internal static partial class SecurityStartup
{
    public const string BootstrapArgument = "bootstrap-admin";

    /// <summary>The name given to <c>--bootstrap-admin</c>, if the command was asked for.</summary>
    public static string? BootstrapName(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration[BootstrapArgument];
    }

    /// <summary>
    /// The listen check: records where the console listens and throws <see cref="StartupRefusedException"/>
    /// when it would be reachable from other machines with no user or key. Program.cs turns that into
    /// a message and an exit code.
    /// </summary>
    public static async Task CheckListenAsync(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Console.Web.Security");
        var urls = ListenUrls(app.Configuration);
        var exposed = urls.Where(u => !IsLoopbackUrl(u)).ToList();
        app.Services.GetRequiredService<ListenState>().Set(urls, exposed.Count > 0);

        var options = app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value;
        var credentials = await app.Services.GetRequiredService<CredentialState>().AnyAsync();
        if (credentials)
        {
            LogAuthOn(logger);
            return;
        }

        if (RefusalMessage(urls, options.RequireAuth) is { } message)
        {
            LogRefused(logger, message);
            throw new StartupRefusedException(message);
        }

        if (options.RequireAuth)
        {
            LogLocked(logger, BootstrapArgument);
        }
        else
        {
            LogOpen(logger, string.Join(", ", urls));
        }
    }

    /// <summary>Why a console with no user or key must not listen on these addresses, or null when it may.</summary>
    public static string? RefusalMessage(IReadOnlyList<string> urls, bool requireAuth)
    {
        ArgumentNullException.ThrowIfNull(urls);
        var exposed = urls.Where(u => !IsLoopbackUrl(u)).ToList();
        if (exposed.Count == 0 || requireAuth)
        {
            return null;
        }

        return $"Refusing to start: the console would listen on {string.Join(", ", exposed)} (reachable from other machines) with no user or API key, " +
            "so anyone who reaches it could run commands on your workers. Either create the first admin: " +
            "'dotnet run --project Console.Web -- --bootstrap-admin <name>' (or 'dotnet Console.Web.dll --bootstrap-admin <name>'), which prints a " +
            "one-time password and an admin API key; or listen on loopback only: --urls http://127.0.0.1:5000. " +
            "(Security__RequireAuth=true starts it locked with nobody able to sign in until an admin is bootstrapped.)";
    }

    /// <summary>Where Kestrel will listen: --urls / ASPNETCORE_URLS, *_PORTS, Kestrel:Endpoints; else its default, localhost:5000.</summary>
    public static IReadOnlyList<string> ListenUrls(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var urls = new List<string>();
        urls.AddRange(Split(configuration["urls"]));
        urls.AddRange(Split(configuration["http_ports"]).Select(p => $"http://*:{p}"));
        urls.AddRange(Split(configuration["https_ports"]).Select(p => $"https://*:{p}"));
        urls.AddRange(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        return urls.Count > 0 ? urls : ["http://localhost:5000"];

        static IEnumerable<string> Split(string? value) =>
            (value ?? string.Empty).Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public static bool IsLoopbackUrl(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        try
        {
            var address = BindingAddress.Parse(url);
            return address.IsUnixPipe || SecurityGate.IsLoopbackHost(address.Host);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Runs the one-time <c>--bootstrap-admin NAME</c> command; the result is the process's exit code.</summary>
    public static async Task<int> BootstrapAsync(WebApplication app, string name)
    {
        ArgumentNullException.ThrowIfNull(app);
        var output = global::System.Console.Out;
        var error = global::System.Console.Error;
        await using var scope = app.Services.CreateAsyncScope();
        try
        {
            var result = await scope.ServiceProvider.GetRequiredService<BootstrapService>().BootstrapAdminAsync(name);
            output.WriteLine($"""
                Created the first admin of this console. Shown once, stored only as hashes:

                  user name:          {result.UserName}
                  one-time password:  {result.OneTimePassword}
                  admin API key:      {result.ApiKey}

                Sign in at /signin with the one-time password; you will choose your own password there.
                For the CLI and scripts: export CONSOLE_API_KEY=<the key>. Revoke the key at /security/keys
                (or DELETE /api/keys/<id>) once you have made the keys you need.
                """);
            await output.FlushAsync();
            return 0;
        }
        catch (ConsoleException ex)
        {
            await error.WriteLineAsync($"Bootstrap refused: {ex.Message} {string.Join(" ", ex.Errors.SelectMany(e => e.Value))}".TrimEnd());
            return 1;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Authentication is on: requests need a signed-in user or an API key")]
    private static partial void LogAuthOn(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authentication is on but no user or key exists yet: create the first admin with --{Argument} <name>")]
    private static partial void LogLocked(ILogger logger, string argument);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No user or API key yet: the console is open to requests from this machine only ({Urls}). Create a key (POST /api/keys) or an admin (--bootstrap-admin <name>) to turn sign-in on")]
    private static partial void LogOpen(ILogger logger, string urls);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Message}")]
    private static partial void LogRefused(ILogger logger, string message);
}

/// <summary>The console will not listen beyond loopback without a user or key (see the message).</summary>
public sealed class StartupRefusedException(string message) : Exception(message);
