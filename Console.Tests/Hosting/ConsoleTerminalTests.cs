using System.Net.Http.Json;
using Console.Contracts;
using Console.Tests.Infrastructure;

namespace Console.Tests.Hosting;

/// <summary>
/// What a person sees in the terminal of <c>dotnet run --project Console.Web</c>: a banner that says
/// where the console is and how to start a worker, then quiet: no stack trace and no <c>fail:</c>
/// line in the first 20 s (the embedded worker's first polls and heartbeats) nor on Ctrl+C.
/// </summary>
public sealed class ConsoleTerminalTests(ReadmeConsole console) : IClassFixture<ReadmeConsole>
{
    private static readonly TimeSpan Watched = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task The_first_20_seconds_and_ctrl_c_print_a_banner_and_no_stack_trace_or_fail_line()
    {
        using var http = new HttpClient { BaseAddress = new Uri(console.BaseUrl) };
        // Condition, not a sleep: the embedded worker has heartbeated at least 20 s after the start.
        var deadline = DateTime.UtcNow + Watched + TimeSpan.FromSeconds(60);
        while (true)
        {
            // 404 until the embedded worker has created its pool.
            using var response = await http.GetAsync(new Uri("/api/work-pools/local-process-pool/workers", UriKind.Relative));
            var workers = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<List<WorkerDto>>(ApiFactory.Json) : null;
            if (workers is { Count: > 0 } && workers.Max(w => w.LastHeartbeatAt) >= console.StartedAt + Watched)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The embedded worker did not heartbeat 20 s after the start. Output:\n{console.Output}");
            await Task.Delay(500);
        }

        var exit = await console.InterruptAsync(TimeSpan.FromSeconds(60));
        var output = console.Output;

        Assert.True(exit == 0, $"exit {exit}\n{output}");
        Assert.Contains($"The console is running at {console.BaseUrl}", output, StringComparison.Ordinal);
        Assert.Contains("cx worker start --pool", output, StringComparison.Ordinal);
        Assert.Contains("local-process-pool", output, StringComparison.Ordinal);
        var lines = output.Split('\n');
        Assert.DoesNotContain(lines, l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) && l.Contains('(', StringComparison.Ordinal));
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("System.Net.Http.HttpClient", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Polly", output, StringComparison.Ordinal);
        Assert.Single(lines, l => l.Contains(" stopped", StringComparison.Ordinal) && l.Contains("Worker ", StringComparison.Ordinal));
    }
}
