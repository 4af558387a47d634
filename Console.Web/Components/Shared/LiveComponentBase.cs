using Console.Contracts.Common;
using Console.Contracts.Feed;
using Console.Core.Feed;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Console.Web.Components.Shared;

/// <summary>
/// A component that follows the change feed: it subscribes before its first load (so no change
/// falls between the load and the subscription), hands every relevant event to the renderer
/// through InvokeAsync, routes failures through DispatchExceptionAsync and unsubscribes on dispose.
/// </summary>
public abstract class LiveComponentBase : ComponentBase, IDisposable
{
    private IDisposable? _subscription;
    private volatile bool _disposed;

    [Inject]
    protected IChangeFeed Feed { get; set; } = default!;

    [Inject]
    protected IServiceScopeFactory Scopes { get; set; } = default!;

    [Inject]
    protected ISnackbar Snackbar { get; set; } = default!;

    protected bool IsDisposed => _disposed;

    protected override void OnInitialized()
    {
        _subscription ??= Feed.Subscribe(OnFeed);
    }

    /// <summary>
    /// Cheap pre-filter that runs on the writer's thread: read only immutable or volatile state.
    /// </summary>
    protected virtual bool IsRelevant(ChangeEvent change) => true;

    /// <summary>Applies a change on the renderer's dispatcher; returns whether to re-render.</summary>
    protected abstract Task<bool> ApplyAsync(ChangeEvent change);

    /// <summary>
    /// Events may have been missed (<see cref="FeedResync"/>): reload what the page shows. Returns
    /// whether to re-render; pages that only show what events told them override it.
    /// </summary>
    protected virtual Task<bool> ResyncAsync() => Task.FromResult(false);

    /// <summary>
    /// How many actions were refused: a control that shows its new value before the server answers
    /// (a switch) takes it as its <c>@key</c>, so a refusal rebuilds it from the unchanged data.
    /// </summary>
    protected int RefusalCount { get; private set; }

    /// <summary>
    /// Runs a user action; a refusal (a role, a conflict, a rule: see <see cref="Refusals"/>) becomes
    /// a message and the page keeps working.
    /// </summary>
    protected async Task<bool> TryAsync(Func<Task> action, string? success = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            await action();
            if (success is not null)
            {
                Snackbar.Add(success, Severity.Success);
            }

            return true;
        }
        catch (ConsoleException ex)
        {
            RefusalCount++;
            Snackbar.Add(Refusals.Message(ex), Severity.Error);
            return false;
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _subscription?.Dispose();
        _subscription = null;
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    private void OnFeed(ChangeEvent change)
    {
        if (_disposed || (change is not FeedResync && !IsRelevant(change)))
        {
            return;
        }

        _ = InvokeAsync(async () =>
        {
            if (_disposed)
            {
                return;
            }

            try
            {
                if (await (change is FeedResync ? ResyncAsync() : ApplyAsync(change)) && !_disposed)
                {
                    StateHasChanged();
                }
            }
#pragma warning disable CA1031 // Handed to the renderer: the page's error boundary shows it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                await DispatchExceptionAsync(ex);
            }
        });
    }
}
