namespace Console.Tests.Images;

/// <summary>
/// A real Docker registry (distribution v2) on loopback for push and pull tests: the one already
/// answering at CONSOLE_TEST_REGISTRY or on 127.0.0.1:5000 (scripts/test.sh starts it with
/// test-env.sh's start_registry), else one this fixture starts from the Debian package's
/// /usr/bin/docker-registry and stops afterwards. Anonymous: anyone may push and pull.
/// </summary>
public sealed class LocalRegistry : IAsyncLifetime
{
    public const string Binary = RegistryProcess.Binary;
    private const int PreferredPort = 5000;
    private RegistryProcess? _process;

    /// <summary><c>127.0.0.1:PORT</c>.</summary>
    public string Address { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        foreach (var candidate in new[] { Environment.GetEnvironmentVariable("CONSOLE_TEST_REGISTRY"), $"127.0.0.1:{PreferredPort}" })
        {
            if (!string.IsNullOrWhiteSpace(candidate) && await RegistryProcess.AnswersAsync(candidate))
            {
                Address = candidate;
                return;
            }
        }

        // Port 5000 may be held by something that is not a registry (a console server, say): any loopback port will do.
        _process = await RegistryProcess.StartAsync(
            RegistryProcess.IsFree(PreferredPort) ? PreferredPort : 0,
            Directory.CreateTempSubdirectory("console-registry-").FullName);
        Address = _process.Address;
    }

    public Task DisposeAsync()
    {
        _process?.Dispose();
        return Task.CompletedTask;
    }
}
