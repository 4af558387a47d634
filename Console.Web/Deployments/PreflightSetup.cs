using Console.Core.Deployments.Preflight;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Console.Web.Deployments;

public static class PreflightSetup
{
    /// <summary>Preflight's registry look-ups: a client with a short timeout, since a preflight waits for it.</summary>
    public static WebApplicationBuilder AddDeploymentPreflight(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHttpClient(RegistryManifestProbe.ClientName, c => c.Timeout = TimeSpan.FromSeconds(5))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = true });
        builder.Services.Replace(ServiceDescriptor.Singleton<IImageRegistry, RegistryManifestProbe>());
        return builder;
    }
}
