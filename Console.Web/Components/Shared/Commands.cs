namespace Console.Web.Components.Shared;

/// <summary>The CLI commands the console suggests, with the installed command <c>cx</c>: they work from any folder.</summary>
public static class Commands
{
    public const string Cli = "cx"; // the .NET tool that scripts/install-cx.sh installs (README)

    public static string StartWorker(string pool) => $"{Cli} worker start --pool {pool}";

    public static string RunDeployment(string flow, string deployment) => $"{Cli} deployment run '{flow}/{deployment}'";

    public static string FollowLogs(Guid run) => $"{Cli} flow-run logs {run} --follow";
}
