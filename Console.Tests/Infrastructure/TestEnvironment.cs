using System.ComponentModel;
using System.Diagnostics;

namespace Console.Tests.Infrastructure;

/// <summary>
/// Prerequisites of the tests that use real components. scripts/test.sh installs and starts
/// them; a test that needs one calls Require* first and so FAILS (never skips) without it.
/// </summary>
public static class TestEnvironment
{
    /// <summary>The local image that scripts/test.sh builds from busybox-static.</summary>
    public const string TestImage = "console-test/busybox:latest";

    public const string DockerSocket = "/var/run/docker.sock";

    public const string ChromiumPath = "/usr/bin/chromium";

    private const string DockerMissing =
        "Docker engine not reachable at " + DockerSocket + ": run scripts/test.sh, which installs docker.io and starts dockerd";

    private static readonly Lazy<string?> DockerProblem = new(ProbeDocker);

    private const string PostgresVariable = "CONSOLE_TEST_POSTGRES";

    private static readonly Lazy<string?> PostgresProblem = new(ProbePostgres);

    /// <summary>Throws unless the Docker engine answers (checked once per test run).</summary>
    public static void RequireDocker()
    {
        if (DockerProblem.Value is { } problem)
        {
            throw new InvalidOperationException(problem);
        }
    }

    /// <summary>Returns the Chromium executable for Playwright, or throws when it is not installed.</summary>
    public static string RequireChromium()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"Chromium not found at {ChromiumPath}: run scripts/test.sh, which installs the Debian package 'chromium'");
        }

        return ChromiumPath;
    }

    /// <summary>
    /// The PostgreSQL server the provider tests create their databases on (a connection string that
    /// can create databases), from CONSOLE_TEST_POSTGRES; throws when it is unset or does not answer.
    /// </summary>
    public static string RequirePostgres()
    {
        if (PostgresProblem.Value is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        return Environment.GetEnvironmentVariable(PostgresVariable)!;
    }

    private static string? ProbePostgres()
    {
        var connectionString = Environment.GetEnvironmentVariable(PostgresVariable);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return $"{PostgresVariable} is not set: run scripts/test.sh, which starts PostgreSQL (start_postgres in scripts/test-env.sh) and exports it, " +
                "or set it to a connection string of a server where the tests may create databases.";
        }

        try
        {
            using var connection = new Npgsql.NpgsqlConnection(connectionString);
            connection.Open();
            return null;
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or ArgumentException)
        {
            return $"PostgreSQL from {PostgresVariable} does not answer ({ex.Message}): run scripts/test.sh, which starts it (start_postgres in scripts/test-env.sh).";
        }
    }

    private static string? ProbeDocker()
    {
        if (!File.Exists(DockerSocket))
        {
            return DockerMissing + " (the socket does not exist).";
        }

        var startInfo = new ProcessStartInfo("docker")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("info");
        startInfo.ArgumentList.Add("--format");
        startInfo.ArgumentList.Add("{{.ServerVersion}}");

        try
        {
            using var process = Process.Start(startInfo)
                ?? throw new InvalidOperationException("docker could not be started");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill(entireProcessTree: true);
                return DockerMissing + " ('docker info' did not answer within 30 s).";
            }

            var said = string.Join(' ', stderr.Result.Trim(), stdout.Result.Trim()).Trim();
            return process.ExitCode == 0
                ? null
                : $"{DockerMissing} ('docker info' exited with {process.ExitCode}: {said}).";
        }
        catch (Win32Exception ex)
        {
            return $"{DockerMissing} (the docker CLI could not run: {ex.Message}).";
        }
    }
}
