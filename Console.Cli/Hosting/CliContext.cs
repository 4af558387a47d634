using Spectre.Console;

namespace Console.Cli.Hosting;

public enum OutputFormat
{
    Table,
    Json,
}

/// <summary>The global options of one invocation, resolved from flags, then environment, then defaults.</summary>
public sealed class CliContext
{
    public const string ExecutableName = "cx";

    public required string ApiUrl { get; init; }

    public string? ApiKey { get; init; }

    /// <summary>Whether prompts are allowed at all (<c>--no-prompt</c>, <c>--prompt</c>, <c>CONSOLE_CLI_PROMPT</c>).</summary>
    public bool PromptsAllowed { get; init; } = true;

    public OutputFormat Output { get; init; } = OutputFormat.Table;

    public required string WorkingDirectory { get; init; }

    /// <summary>The Docker engine that builds images (<c>DOCKER_HOST</c>, default the local socket).</summary>
    public string DockerHost { get; init; } = CliEnvironment.DefaultDockerHost;

    /// <summary>The account <c>deploy</c> pushes images with (<c>CONSOLE_REGISTRY_USERNAME</c>); anonymous when null.</summary>
    public string? RegistryUsername { get; init; }

    /// <summary><c>CONSOLE_REGISTRY_PASSWORD</c>: a password or token; never printed.</summary>
    public string? RegistryPassword { get; init; }

    /// <summary>The docker config (<c>$DOCKER_CONFIG/config.json</c> or <c>~/.docker/config.json</c>) whose login <c>deploy</c> pushes with when the two variables are unset.</summary>
    public string? DockerConfigFile { get; init; }

    public bool IsJson => Output == OutputFormat.Json;

    /// <summary>True when the address came from <c>--api</c>: the commands we suggest must then repeat it.</summary>
    public bool ApiUrlFromFlag { get; init; }

    /// <summary>Prompts need permission and a terminal that can answer them.</summary>
    public bool CanPrompt(IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        return PromptsAllowed && console.Profile.Capabilities.Interactive;
    }

    /// <summary>A command line the user can paste, with <c>--api</c> when the user passed one.</summary>
    public string Command(string arguments) =>
        ApiUrlFromFlag ? $"{ExecutableName} {arguments} --api {ApiUrl}" : $"{ExecutableName} {arguments}";
}
