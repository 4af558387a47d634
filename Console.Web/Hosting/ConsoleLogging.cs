namespace Console.Web.Hosting;

/// <summary>
/// A terminal a person can read: the framework's per-request chatter (HttpClient, Polly's
/// resilience pipeline, EF Core's commands, Hangfire) stays at Warning. <c>--verbose true</c>
/// (or <c>Verbose=true</c> in configuration) brings the Information lines back.
/// </summary>
public static class ConsoleLogging
{
    public const string VerboseKey = "Verbose";

    private static readonly string[] Chatty =
    [
        "System.Net.Http.HttpClient",
        "Microsoft.Extensions.Http",
        "Polly",
        "Microsoft.EntityFrameworkCore",
        "Microsoft.AspNetCore",
        "Hangfire",
        // "Now listening on ..." and friends: the start banner says where the console is.
        "Microsoft.Hosting.Lifetime",
    ];

    public static WebApplicationBuilder AddConsoleLogging(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Configuration.GetValue<bool>(VerboseKey))
        {
            return builder;
        }

        foreach (var category in Chatty)
        {
            builder.Logging.AddFilter(category, LogLevel.Warning);
        }

        return builder;
    }
}
