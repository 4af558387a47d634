using Console.Tests.Worker;
using Docker.DotNet;
using Xunit.Abstractions;

namespace Console.Tests.Faults;

/// <summary>
/// Fault tests start real processes (server, workers, an engine), break them, and check what a user
/// would see afterwards. Each test gets its own folder, pool and worker names; whatever it started
/// is killed at the end, and the processes' last output lines go to the test output so a failure
/// says what the processes said.
/// </summary>
[Collection(FaultCollection.Name)]
public abstract class FaultTestBase(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<Func<ChildProcess?>> _witnesses = [];
    private readonly List<string> _workerNames = [];

    protected ITestOutputHelper Output { get; } = output;

    protected DirectoryInfo Folder { get; } = Directory.CreateTempSubdirectory("console-fault-");

    protected DockerClient Docker { get; } = WorkerTestKit.DockerClient();

    protected static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 11)];

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var witness in _witnesses)
        {
            if (witness() is { } process)
            {
                await process.DisposeAsync();
                Output.WriteLine(process.RecentOutput(150));
            }
        }

        foreach (var worker in _workerNames)
        {
            WorkerEndToEndTests.RemoveContainersOf(Docker, worker);
        }

        Docker.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // a file still held by a dying process: the OS cleans temp later
        }
    }

    /// <summary>Kills the process at the end of the test and shows its output.</summary>
    protected T Watch<T>(T process)
        where T : class
    {
        _witnesses.Add(() => process switch
        {
            ChildProcess child => child,
            ServerProcess server => server.Process,
            PrivateDockerEngine engine => engine.Process,
            _ => null,
        });
        return process;
    }

    /// <summary>Starts a <c>cx worker start</c> process; its containers are removed at the end of the test.</summary>
    private protected ChildProcess StartWorker(ServerProcess server, string pool, string name, IReadOnlyDictionary<string, string?>? settings = null)
    {
        if (!_workerNames.Contains(name))
        {
            _workerNames.Add(name);
        }

        return Watch(WorkerProcess.Start(server.BaseUrl, pool, name, settings));
    }
}

[CollectionDefinition(Name)]
public sealed class FaultCollection
{
    /// <summary>Fault tests run one after another: each starts several processes, and 2 cores are shared.</summary>
    public const string Name = "Faults";
}
