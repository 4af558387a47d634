namespace Console.Web.Components.Shared;

/// <summary>The CLI commands the console suggests (docs/api.md, CLI section), runnable from a clone.</summary>
public static class Commands
{
    public const string Cli = "dotnet run --project Console.Cli --";

    public static string StartWorker(string pool) => $"{Cli} worker start --pool {pool}";

    public static string RunDeployment(string flow, string deployment) => $"{Cli} deployment run '{flow}/{deployment}'";

    public static string FollowLogs(Guid run) => $"{Cli} flow-run logs {run} --follow";
}
