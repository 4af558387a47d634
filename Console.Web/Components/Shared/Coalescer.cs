namespace Console.Web.Components.Shared;

/// <summary>
/// Runs a reload at most once at a time: requests that arrive while one runs fold into a single
/// rerun, so a burst of change events costs two queries, not one per event. Used only on the
/// renderer's dispatcher, which runs one piece of component code at a time, so it needs no lock.
/// </summary>
public sealed class Coalescer(Func<Task> work)
{
    private bool _running;
    private bool _pending;

    public async Task RequestAsync()
    {
        if (_running)
        {
            _pending = true;
            return;
        }

        _running = true;
        try
        {
            do
            {
                _pending = false;
                await work();
            }
            while (_pending);
        }
        finally
        {
            _running = false;
        }
    }
}
