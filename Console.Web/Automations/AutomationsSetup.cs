using Console.Core.Automations;
using Microsoft.Extensions.Options;

namespace Console.Web.Automations;

public static class AutomationsSetup
{
    /// <summary>The webhook client (addresses checked at connect time) and the Development default for private networks.</summary>
    public static WebApplicationBuilder AddConsoleAutomations(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var development = builder.Environment.IsDevelopment();
        builder.Services.PostConfigure<AutomationOptions>(o => o.AllowPrivateNetworks ??= development);
        builder.Services.AddHttpClient(WebhookSender.ClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => WebhookSender.Handler(sp.GetRequiredService<IOptions<AutomationOptions>>()));
        builder.Services.AddScoped<IWebhookSender, WebhookSender>();
        return builder;
    }
}
