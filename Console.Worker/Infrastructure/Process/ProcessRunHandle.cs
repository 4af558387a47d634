using System.Globalization;
using Console.Worker.Infrastructure.Usage;

namespace Console.Worker.Infrastructure.Process;

/// <summary>A child process of one run, its stdout and stderr read line by line as they come.</summary>
internal sealed class ProcessRunHandle : IRunHandle
{
    private readonly System.Diagnostics.Process _process;
    private readonly bool _ownGroup;
    private readonly Task _stdout;
    private readonly Task _stderr;
    private readonly UsageSampler _usage;

    public ProcessRunHandle(System.Diagnostics.Process process, string infrastructureId, bool ownGroup, bool streamOutput, ILogSink logs, TimeProvider time)
    {
        _process = process;
        _ownGroup = ownGroup;
        InfrastructureId = infrastructureId;
        _stdout = PumpAsync(process.StandardOutput, "stdout", streamOutput ? logs : null);
        _stderr = PumpAsync(process.StandardError, "stderr", streamOutput ? logs : null);
        var tree = new ProcessTreeUsage(process.Id);
        _usage = UsageSampler.Start(_ => Task.FromResult(tree.Read()), time);
    }

    public string InfrastructureId { get; }

    public async Task<RunExit> WatchAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        var usage = await _usage.StopAsync();
        await Task.WhenAll(_stdout, _stderr).WaitAsync(cancellationToken);
        return new RunExit(_process.ExitCode) { Usage = usage };
    }

    public async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        if (_process.HasExited)
        {
            return;
        }

        if (_ownGroup)
        {
            await SignalGroupAsync("TERM");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(grace);
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // the grace period is over
            }

            // Children may outlive a leader that obeyed SIGTERM: the whole group goes.
            await SignalGroupAsync("KILL");
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public Task CleanupAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _usage.DisposeAsync();
        _process.Dispose();
    }

    private static async Task PumpAsync(StreamReader reader, string stream, ILogSink? logs)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            logs?.Write(stream, line);
        }
    }

    private async Task SignalGroupAsync(string signal)
    {
        // The child is its group's leader (setsid): a negative pid addresses the whole group.
        using var kill = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("kill")
        {
            ArgumentList = { $"-{signal}", "--", "-" + _process.Id.ToString(CultureInfo.InvariantCulture) },
            UseShellExecute = false,
            RedirectStandardError = true,
        });
        if (kill is not null)
        {
            await kill.WaitForExitAsync();
        }
    }
}
