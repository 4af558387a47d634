using Console.Bench.Infra;

namespace Console.Bench.Benchmarks;

internal sealed class B5UiLiveness : IBenchmark
{
    public string Id => "b5";

    public string Title => "ui-liveness";

    public string Goal => "";

    public Task<BenchResult> RunAsync(BenchOptions options, CancellationToken ct) =>
        Task.FromResult(new BenchResult(Id, Title, Goal) { Verdict = Verdict.Skipped });
}
