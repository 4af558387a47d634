namespace Console.Web.Components.Shared;

/// <summary>
/// A Blazor Server circuit lives for minutes or hours, and its scoped services with it. The Core
/// services share one DbContext per scope, which must neither be used by two overlapping calls
/// nor keep stale tracked rows, so every UI call gets a short scope of its own.
/// </summary>
public static class ScopedCalls
{
    public static async Task<TResult> CallAsync<TService, TResult>(this IServiceScopeFactory scopes, Func<TService, Task<TResult>> call)
        where TService : notnull
    {
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(call);
        await using var scope = scopes.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<TService>());
    }

    public static async Task CallAsync<TService>(this IServiceScopeFactory scopes, Func<TService, Task> call)
        where TService : notnull
    {
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(call);
        await using var scope = scopes.CreateAsyncScope();
        await call(scope.ServiceProvider.GetRequiredService<TService>());
    }
}
