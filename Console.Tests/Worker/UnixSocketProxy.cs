using System.Net.Sockets;

namespace Console.Tests.Worker;

/// <summary>
/// Forwards a unix socket to the Docker engine's. Stopping it makes "the engine" unreachable for a
/// worker pointed at it, without stopping the real dockerd other tests use (R4).
/// </summary>
internal sealed class UnixSocketProxy : IAsyncDisposable
{
    private readonly string _target;
    private Socket? _listener;
    private CancellationTokenSource? _stop;
    private Task? _accepting;

    public UnixSocketProxy(string target)
    {
        _target = target;
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"console-proxy-{Guid.NewGuid():N}.sock");
    }

    public string Path { get; }

    public string DockerHost => "unix://" + Path;

    public void Start()
    {
        File.Delete(Path);
        _stop = new CancellationTokenSource();
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen(64);
        _accepting = AcceptAsync(_listener, _stop.Token);
    }

    public async Task StopAsync()
    {
        if (_stop is null)
        {
            return;
        }

        await _stop.CancelAsync();
        _listener!.Dispose();
        await _accepting!.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
        _stop = null;
        File.Delete(Path);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task AcceptAsync(Socket listener, CancellationToken stop)
    {
        var connections = new List<Task>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var client = await listener.AcceptAsync(stop);
                connections.Add(PipeAsync(client, stop));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // stopped
        }

        await Task.WhenAll(connections).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task PipeAsync(Socket client, CancellationToken stop)
    {
        using (client)
        using (var upstream = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                await upstream.ConnectAsync(new UnixDomainSocketEndPoint(_target), stop);
                await using var a = new NetworkStream(client, ownsSocket: false);
                await using var b = new NetworkStream(upstream, ownsSocket: false);
                // Either direction ending (or the proxy stopping) drops the whole connection, as a dead engine would.
                await Task.WhenAny(a.CopyToAsync(b, stop), b.CopyToAsync(a, stop));
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException)
            {
                // connection dropped
            }
        }
    }
}
