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

    private const string PostgresVariable = "CONSOLE_TEST_POSTGRES";

    private static readonly Lazy<string?> PostgresProblem = new(ProbePostgres);

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

    /// <summary>The variable scripts/test.sh sets to the Redis it starts (start_redis in scripts/test-env.sh).</summary>
    public const string RedisVariable = "CONSOLE_TEST_REDIS";

    /// <summary>Returns the test Redis as host:port, or throws when it is not configured or does not answer.</summary>
    public static string RequireRedis()
    {
        var redis = Environment.GetEnvironmentVariable(RedisVariable);
        if (string.IsNullOrWhiteSpace(redis))
        {
            throw new InvalidOperationException(
                $"{RedisVariable} is not set: run scripts/test.sh, which starts Redis (start_redis in scripts/test-env.sh, 127.0.0.1:6380) and exports it");
        }

        if (RedisProblem.Value is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        return redis;
    }

    public const string RedisServerPath = "/usr/bin/redis-server";

    /// <summary>The redis-server binary, for tests that start and stop a Redis of their own.</summary>
    public static string RequireRedisServer()
    {
        if (!File.Exists(RedisServerPath))
        {
            throw new InvalidOperationException(
                $"redis-server not found at {RedisServerPath}: run scripts/test.sh, which installs the Debian package 'redis-server'");
        }

        return RedisServerPath;
    }

    private static readonly Lazy<string?> RedisProblem = new(ProbeRedis);

    private static string? ProbeRedis()
    {
        var redis = Environment.GetEnvironmentVariable(RedisVariable)!;
        var (host, port) = redis.LastIndexOf(':') is var colon and > 0 && int.TryParse(redis[(colon + 1)..], out var p)
            ? (redis[..colon], p)
            : (redis, 6379);
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            if (!client.ConnectAsync(host, port).Wait(TimeSpan.FromSeconds(10)))
            {
                return $"Redis at {RedisVariable}={redis} did not answer within 10 s: start it with scripts/test-env.sh start_redis";
            }

            return null;
        }
        catch (AggregateException ex) when (ex.InnerException is System.Net.Sockets.SocketException socket)
        {
            return $"Redis at {RedisVariable}={redis} is not reachable ({socket.Message}): start it with scripts/test-env.sh start_redis";
        }
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
}
