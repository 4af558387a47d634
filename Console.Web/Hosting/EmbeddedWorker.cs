using Console.Web.Security;
using Console.Worker;
using Console.Worker.Hosting;

namespace Console.Web.Hosting;

/// <summary>
/// The worker the console hosts for the pools in <c>Worker:Pools</c>. It talks to this very app
/// over loopback HTTP, never to the database, so the hybrid path is the only path.
/// </summary>
public static class EmbeddedWorker
{
    public static WebApplicationBuilder AddEmbeddedWorker(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddConsoleWorker();
        builder.Services.AddSingleton<IWorkerHostSignals, ListeningGate>();
        var configured = builder.Configuration[$"{WorkerOptions.Section}:{nameof(WorkerOptions.ApiUrl)}"];
        if (string.IsNullOrEmpty(configured))
        {
            // Every way of choosing the port counts (--urls, ASPNETCORE_HTTP_PORTS as in container images, Kestrel:Endpoints).
            var own = LoopbackAddress(string.Join(';', SecurityStartup.ListenUrls(builder.Configuration)));
            builder.Services.PostConfigure<WorkerOptions>(o => o.ApiUrl = own);
        }

        return builder;
    }

    /// <summary>The first http address the app listens on, as a loopback URL the worker can call.</summary>
    internal static string LoopbackAddress(string? urls)
    {
        var first = (urls ?? "http://localhost:5000")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(u => u.Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
                .Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
                .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)
                .Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal))
            .OrderBy(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? 0 : 1)
            .FirstOrDefault() ?? "http://localhost:5000";
        return first.TrimEnd('/');
    }
}
