using Console.Web.Security;

namespace Console.Web.Hosting;

/// <summary>
/// <c>Console.Web.dll --health-check</c>: asks the running console's <c>/healthz</c> on its own
/// loopback address and exits 0 when it answers 200. It is the container image's HEALTHCHECK:
/// the .NET images carry no curl or wget, and this works in every image that runs the app.
/// </summary>
public static class HealthCheckCommand
{
    public const string Argument = "--health-check";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(4);

    public static bool IsRequested(string[] args) => args is [Argument, ..];

    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        // The same sources the host reads its listen address from, without starting the host.
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddCommandLine(args[1..])
            .Build();
        var url = new Uri(EmbeddedWorker.LoopbackAddress(string.Join(';', SecurityStartup.ListenUrls(configuration))) + "/healthz");
        var output = global::System.Console.Out;
        using var client = new HttpClient { Timeout = Timeout };
        try
        {
            using var response = await client.GetAsync(url);
            await output.WriteLineAsync($"{url}: {(int)response.StatusCode} {response.ReasonPhrase}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await output.WriteLineAsync($"{url}: no answer ({ex.Message})");
            return 1;
        }
    }
}
