namespace Console.Cli.Hosting;

/// <summary>
/// Takes the global options out of the arguments wherever they stand, so that
/// <c>cx --no-prompt deploy ...</c> works as well as <c>cx deploy ... --no-prompt</c>
/// (Spectre.Console.Cli only accepts a command's options after the command).
/// </summary>
public static class GlobalOptions
{
    public static (CliContext Context, string[] Arguments) Extract(IReadOnlyList<string> args, CliEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        string? api = null;
        string? output = null;
        bool? prompt = null;
        var rest = new List<string>(args.Count);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                rest.AddRange(args.Skip(i));
                break;
            }

            if (TryValue(args, ref i, "--api", out var value))
            {
                api = value;
            }
            else if (TryValue(args, ref i, "--output", out value))
            {
                output = value;
            }
            else if (arg == "--no-prompt")
            {
                prompt = false;
            }
            else if (arg == "--prompt")
            {
                prompt = true;
            }
            else
            {
                rest.Add(arg);
            }
        }

        var context = new CliContext
        {
            ApiUrl = ApiUrl(api ?? environment.Variables(CliEnvironment.ApiUrlVariable)),
            ApiUrlFromFlag = api is not null,
            ApiKey = NullIfEmpty(environment.Variables(CliEnvironment.ApiKeyVariable)),
            PromptsAllowed = prompt ?? PromptSetting(environment.Variables(CliEnvironment.PromptVariable)),
            Output = Output(output),
            WorkingDirectory = environment.WorkingDirectory,
            DockerHost = NullIfEmpty(environment.Variables(CliEnvironment.DockerHostVariable)) ?? CliEnvironment.DefaultDockerHost,
            RegistryUsername = NullIfEmpty(environment.Variables(CliEnvironment.RegistryUsernameVariable)),
            RegistryPassword = NullIfEmpty(environment.Variables(CliEnvironment.RegistryPasswordVariable)),
            DockerConfigFile = NullIfEmpty(environment.Variables(CliEnvironment.DockerConfigVariable)) is { } folder
                ? Path.Combine(folder, "config.json")
                : NullIfEmpty(environment.Variables("HOME")) is { } home ? Path.Combine(home, ".docker", "config.json") : null,
        };
        return (context, [.. rest]);
    }

    private static bool TryValue(IReadOnlyList<string> args, ref int i, string name, out string? value)
    {
        var arg = args[i];
        if (arg.StartsWith(name + "=", StringComparison.Ordinal))
        {
            value = arg[(name.Length + 1)..];
            return true;
        }

        if (arg != name)
        {
            value = null;
            return false;
        }

        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            throw new UsageException($"The option {name} needs a value.");
        }

        value = args[++i];
        return true;
    }

    private static string ApiUrl(string? value)
    {
        var url = NullIfEmpty(value) ?? CliEnvironment.DefaultApiUrl;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"'{url}' is not an http(s) URL: pass --api http://host:port or set {CliEnvironment.ApiUrlVariable}.");
        }

        return url.TrimEnd('/');
    }

    private static bool PromptSetting(string? value) =>
        NullIfEmpty(value)?.Trim().ToUpperInvariant() is not ("0" or "FALSE" or "NO" or "OFF");

    private static OutputFormat Output(string? value) => value?.ToUpperInvariant() switch
    {
        null or "TABLE" => OutputFormat.Table,
        "JSON" => OutputFormat.Json,
        _ => throw new UsageException($"--output is 'table' or 'json', not '{value}'."),
    };

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
