using Console.Core.Persistence;
using Console.Web.Api;
using Console.Web.Components;
using Console.Web.Hosting;
using Console.Web.Jobs;
using Console.Web.Live;
using Console.Web.Observability;
using Console.Web.Security;
using Microsoft.Extensions.Options;
using Scalar.AspNetCore;

if (HealthCheckCommand.IsRequested(args))
{
    return await HealthCheckCommand.RunAsync(args);
}

var contentRoot = ContentRoot.Find();
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = contentRoot,
    WebRootPath = Path.Combine(contentRoot, "wwwroot"),
});

builder.AddConsoleWeb();

var app = builder.Build();
try
{
    // Every ValidateOnStart option now, so a bad setting is one line here, not a host failure logged with its stack.
    app.Services.GetService<IStartupValidator>()?.Validate();
    await app.Services.MigrateConsoleDatabaseAsync();
    if (SecurityStartup.BootstrapName(app.Configuration) is { } admin)
    {
        return await SecurityStartup.BootstrapAsync(app, admin);
    }

    await SecurityStartup.CheckListenAsync(app);
    await LatePolicyJob.RunBeforeServingAsync(app.Services);
}
catch (Exception ex) when (ex is StartupRefusedException or OptionsValidationException)
{
    return await StartupFailedAsync(ex);
}

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseApiRequestLimits();
app.UseConsoleSecurity();
app.UseAntiforgery();

app.MapStaticAssets();
app.UseStaticFiles();
app.MapOpenApi();
app.MapScalarApiReference();
app.MapHealthEndpoints();
app.MapWorkPoolEndpoints();
app.MapWorkQueueEndpoints();
app.MapWorkerEndpoints();
app.MapInfrastructureEndpoints();
app.MapDeploymentEndpoints();
app.MapFlowRunEndpoints();
app.MapEventEndpoints();
app.MapAutomationEndpoints();
app.MapObservabilityEndpoints();
app.MapSecurityEndpoints();
app.MapSecretEndpoints();
app.MapHub<LiveHub>(LiveHub.Path);
app.MapConsoleJobs();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

try
{
    await app.RunAsync();
}
catch (OptionsValidationException ex)
{
    // Options checked by ValidateOnStart that nothing read before the host started.
    return await StartupFailedAsync(ex);
}

return 0;

// The operator's to fix (an exposed address, a bad setting): say what, exit non-zero, no stack trace.
static async Task<int> StartupFailedAsync(Exception ex)
{
    await System.Console.Error.WriteLineAsync(ex is OptionsValidationException ? $"Invalid configuration: {ex.Message}" : ex.Message);
    return 2;
}

/// <summary>Entry point; public so tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
