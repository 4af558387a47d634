namespace Console.Testing;

/// <summary>Waits on a condition, never on a clock: checks every 50 ms until it holds or the time is up.</summary>
public static class Wait
{
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(50);

    /// <summary>Throws a <see cref="TimeoutException"/> naming <paramref name="what"/> when the condition never held.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, int timeoutSeconds = 30, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeoutSeconds} s waiting for: {what}");
            }

            await Task.Delay(Every, ct);
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what, int timeoutSeconds = 30, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(() => Task.FromResult(condition()), what, timeoutSeconds, ct);
    }

    /// <summary>The first non-null answer of <paramref name="probe"/>.</summary>
    public static async Task<T> ForAsync<T>(Func<Task<T?>> probe, int timeoutSeconds = 20, string what = "the condition")
        where T : class
    {
        ArgumentNullException.ThrowIfNull(probe);
        T? found = null;
        await UntilAsync(async () => (found = await probe()) is not null, what, timeoutSeconds);
        return found!;
    }
}
