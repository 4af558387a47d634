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
    private readonly List<(IAsyncDisposable Thing, ChildProcess Process)> _witnesses = [];
    private readonly List<string> _workerNames = [];

    protected ITestOutputHelper Output { get; } = output;

    protected DirectoryInfo Folder { get; } = Directory.CreateTempSubdirectory("console-fault-");

    protected DockerClient Docker { get; } = WorkerTestKit.DockerClient();

    protected static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 11)];

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        // Last started, first stopped: workers before their server, the server before the engine.
        var failures = new List<Exception>();
        foreach (var (thing, process) in Enumerable.Reverse(_witnesses))
        {
            try
            {
                await thing.DisposeAsync();
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException)
            {
                failures.Add(ex); // the others are still stopped
            }

            Output.WriteLine(process.RecentOutput(150));
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

        if (failures.Count > 0)
        {
            throw new AggregateException("Stopping the test's processes failed", failures);
        }
    }

    /// <summary>Stops the process at the end of the test (its own way) and shows its output.</summary>
    private protected ChildProcess Watch(ChildProcess process) => Watch(process, process);

    private protected ServerProcess Watch(ServerProcess server) => Watch(server, server.Process);

    private protected PrivateDockerEngine Watch(PrivateDockerEngine engine) => Watch(engine, engine.Process);

    private T Watch<T>(T thing, ChildProcess process)
        where T : IAsyncDisposable
    {
        _witnesses.Add((thing, process));
        return thing;
    }

    /// <summary>Quick enough for tests: a poll held 5 s at most, a cancel check every 0.2 s.</summary>
    private static readonly Dictionary<string, string?> WorkerDefaults = new()
    {
        ["Worker:PollWaitSeconds"] = "5",
        ["Worker:CancelCheckSeconds"] = "0.2",
        ["Worker:CancelGraceSeconds"] = "1",
        ["Worker:CreatePoolIfMissing"] = "false",
    };

    /// <summary>Starts a <c>cx worker start</c> process; its containers are removed at the end of the test.</summary>
    private protected ChildProcess StartWorker(ServerProcess server, string pool, string name, IReadOnlyDictionary<string, string?>? settings = null,
        IEnumerable<string>? arguments = null)
    {
        if (!_workerNames.Contains(name))
        {
            _workerNames.Add(name);
        }

        var all = new Dictionary<string, string?>(WorkerDefaults);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return Watch(WorkerProcess.StartCli(BuiltApps.DotnetHost, BuiltApps.CliDll, server.BaseUrl, pool, name, all, arguments: arguments));
    }
}

[CollectionDefinition(Name)]
public sealed class FaultCollection
{
    /// <summary>Fault tests run one after another: each starts several processes, and 2 cores are shared.</summary>
    public const string Name = "Faults";
}
