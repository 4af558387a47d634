namespace Console.Cli.Hosting;

/// <summary>What the CLI reads from its surroundings, injectable so tests never touch the process's own.</summary>
public sealed class CliEnvironment
{
    public const string ApiUrlVariable = "CONSOLE_API_URL";
    public const string ApiKeyVariable = "CONSOLE_API_KEY";
    public const string PromptVariable = "CONSOLE_CLI_PROMPT";
    public const string DefaultApiUrl = "http://127.0.0.1:5000";
    public const string DockerHostVariable = "DOCKER_HOST";
    public const string DefaultDockerHost = "unix:///var/run/docker.sock";
    public const string RegistryUsernameVariable = "CONSOLE_REGISTRY_USERNAME";
    public const string RegistryPasswordVariable = "CONSOLE_REGISTRY_PASSWORD";

    /// <summary>Docker's own: the folder of <c>config.json</c> (default <c>~/.docker</c>), whose <c>auths</c> <c>deploy</c> pushes with.</summary>
    public const string DockerConfigVariable = "DOCKER_CONFIG";

    public CliEnvironment(Func<string, string?> variables, string workingDirectory)
    {
        Variables = variables;
        WorkingDirectory = workingDirectory;
    }

    public Func<string, string?> Variables { get; }

    public string WorkingDirectory { get; }

    public static CliEnvironment FromProcess() =>
        new(Environment.GetEnvironmentVariable, Directory.GetCurrentDirectory());

    public static CliEnvironment From(IReadOnlyDictionary<string, string?> variables, string workingDirectory) =>
        new(name => variables.TryGetValue(name, out var value) ? value : null, workingDirectory);
}
