using Console.Contracts.Common;
using Console.Core;
using Console.Web.Automations;
using Console.Web.Deployments;
using Console.Web.Jobs;
using Console.Web.Live;
using Console.Web.Observability;
using Console.Web.ScaleOut;
using Console.Web.Security;
using Console.Projects;
using Console.Projects.Images;
using Console.Worker;
using Console.Worker.Memory;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace Console.Web.Hosting;

public static class WebSetup
{
    /// <summary>The console's web side: API plumbing, the live hub, the Blazor UI.</summary>
    public static WebApplicationBuilder AddConsoleWeb(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Serve the framework's and packages' static assets from the build output in every
        // environment, so `dotnet Console.Web.dll` works as well as `dotnet run`.
        builder.WebHost.UseStaticWebAssets();
        builder.AddConsoleLogging();

        builder.Services.AddConsoleCore(builder.Configuration);
        builder.Services.AddConsoleProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => ConsoleJson.Configure(o.SerializerOptions));
        // Bad bodies reach our exception handler, which names what was wrong, in every environment.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddOpenApi();
        builder.Services.AddSignalR().AddJsonProtocol(o => ConsoleJson.Configure(o.PayloadSerializerOptions));
        builder.Services.AddHostedService<LiveForwarder>();
        builder.AddConsoleScaleOut();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.AddConsoleJobs();
        builder.AddConsoleAutomations();
        builder.AddDeploymentPreflight();
        builder.AddEmbeddedWorker();
        // The wizard's image builds go to the engine the worker runs containers on.
        builder.Services.AddFlowProjects();
        builder.Services.AddOptions<ImageBuildOptions>().Configure<IOptions<WorkerOptions>>((images, worker) => images.DockerHost = worker.Value.DockerHost);
        builder.Services.AddHostedService<StartBanner>();
        builder.Services.AddMemoryTrimmer(builder.Configuration);
        builder.AddConsoleObservability();
        builder.AddConsoleSecurity();
        return builder;
    }
}
