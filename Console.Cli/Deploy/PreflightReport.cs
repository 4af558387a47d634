using System.Text.Json.Nodes;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;
using Console.Contracts.Deployments;
using Spectre.Console;

namespace Console.Cli.Deploy;

/// <summary>
/// <c>cx deploy --dry-run</c>: sends the body deploy would create to <c>POST /api/deployments/preflight</c>
/// and prints every check and the job a worker would get. Nothing is saved; exit 1 when a check fails.
/// </summary>
internal static class PreflightReport
{
    public static async Task<int> RunAsync(ApiClient api, CliOutput output, CreateDeploymentRequest request, CancellationToken ct)
    {
        var node = await api.PostAsync("/api/deployments/preflight", request, ct);
        var result = ApiClient.As<PreflightResultDto>(node);
        if (output.IsJson)
        {
            output.Json(node);
        }
        else
        {
            Print(output, $"{request.FlowName}/{request.Name}", result);
        }

        return result.Ok ? ExitCodes.Success : ExitCodes.Error;
    }

    private static void Print(CliOutput output, string reference, PreflightResultDto result)
    {
        var table = CliOutput.NewTable("Check", "Verdict", "Message");
        foreach (var check in result.Checks)
        {
            table.AddRow(Markup.Escape(check.Name), check.Ok ? "[green]ok[/]" : "[red]FAILED[/]", Markup.Escape(check.Message));
        }

        output.Line($"Dry run of deployment [bold]{Markup.Escape(reference)}[/]: nothing is saved.");
        output.Console.Write(table);
        output.Line("[bold]Job configuration[/] (secret references stay references):");
        output.Line(Markup.Escape(CliOutput.Pretty(result.Job ?? (JsonNode?)null)));
        var failed = result.Checks.Count(c => !c.Ok);
        if (failed == 0)
        {
            output.Success("All checks passed: deploy without --dry-run to create it.");
        }
        else
        {
            output.Line($"[red]{failed} check{(failed == 1 ? "" : "s")} failed.[/]");
        }
    }
}
