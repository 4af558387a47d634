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

    private static readonly Lazy<string?> SwarmProblem = new(ProbeSwarm);

    /// <summary>Throws unless the Docker engine answers (checked once per test run).</summary>
    public static void RequireDocker()
    {
        if (DockerProblem.Value is { } problem)
        {
            throw new InvalidOperationException(problem);
        }
    }

    /// <summary>Throws unless the Docker engine is a swarm manager (scripts/test.sh's ensure_swarm makes it one).</summary>
    public static void RequireSwarm()
    {
        RequireDocker();
        if (SwarmProblem.Value is { } problem)
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

    private static string? ProbeDocker()
    {
        if (!File.Exists(DockerSocket))
        {
            return DockerMissing + " (the socket does not exist).";
        }

        var (problem, _) = DockerInfo("{{.ServerVersion}}", DockerMissing);
        return problem;
    }

    private static string? ProbeSwarm()
    {
        const string missing = "The Docker engine is not a swarm manager, which the docker-swarm tests need: run scripts/test.sh, "
            + "whose ensure_swarm (scripts/test-env.sh) runs 'docker swarm init --advertise-addr 127.0.0.1'";
        var (problem, output) = DockerInfo("{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}", missing);
        return problem ?? (output == "active true" ? null : $"{missing} (swarm state: '{output}').");
    }

    /// <summary>Runs <c>docker info --format</c>; a problem prefixed with <paramref name="missing"/>, or the output.</summary>
    private static (string? Problem, string Output) DockerInfo(string format, string missing)
    {
        var startInfo = new ProcessStartInfo("docker")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("info");
        startInfo.ArgumentList.Add("--format");
        startInfo.ArgumentList.Add(format);

        try
        {
            using var process = Process.Start(startInfo)
                ?? throw new InvalidOperationException("docker could not be started");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill(entireProcessTree: true);
                return (missing + " ('docker info' did not answer within 30 s).", string.Empty);
            }

            var said = string.Join(' ', stderr.Result.Trim(), stdout.Result.Trim()).Trim();
            return process.ExitCode == 0
                ? (null, stdout.Result.Trim())
                : ($"{missing} ('docker info' exited with {process.ExitCode}: {said}).", string.Empty);
        }
        catch (Win32Exception ex)
        {
            return ($"{missing} (the docker CLI could not run: {ex.Message}).", string.Empty);
        }
    }
}
