using System.ComponentModel;
using System.Text.Json.Nodes;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Contracts;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.Deployments;

public class DeploymentSettings : CliSettings
{
    [CommandArgument(0, "<DEPLOYMENT>")]
    [Description("'flow/deployment', or the deployment's id")]
    public string Deployment { get; set; } = string.Empty;

    public override ValidationResult Validate() =>
        Guid.TryParse(Deployment, out _) || Deployment.Split('/') is [{ Length: > 0 }, { Length: > 0 }]
            ? base.Validate()
            : ValidationResult.Error($"'{Deployment}' is neither 'flow/deployment' nor a deployment id.");

    public async Task<DeploymentDto> FindAsync(ApiClient api, CancellationToken ct) => ApiClient.As<DeploymentDto>(await FindNodeAsync(api, ct));

    public Task<JsonNode?> FindNodeAsync(ApiClient api, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(api);
        if (Guid.TryParse(Deployment, out var id))
        {
            return api.GetAsync($"/api/deployments/{id}", ct);
        }

        var parts = Deployment.Split('/');
        return api.GetAsync($"/api/deployments/by-name/{ApiClient.Segment(parts[0])}/{ApiClient.Segment(parts[1])}", ct);
    }
}
