using System.Collections.Concurrent;

namespace Console.Worker.Infrastructure.Docker;

/// <summary>
/// Images this worker saw on its engine a short while ago (inspected, pulled or run), so a run of
/// the same image skips the inspect round trip. Only a hint: an image removed since makes the
/// container's create fail with 404, and <see cref="DockerInfrastructure"/> then forgets it and looks
/// (or pulls) again, as if it had never been seen.
/// </summary>
internal sealed class PresentImages(TimeProvider time, TimeSpan lifetime)
{
    private const int MaxImages = 256;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

    public bool IsPresent(string image) =>
        _seen.TryGetValue(image, out var at) && time.GetUtcNow() - at < lifetime;

    public void Seen(string image)
    {
        if (_seen.Count >= MaxImages)
        {
            _seen.Clear(); // a worker cycling through many images just inspects again
        }

        _seen[image] = time.GetUtcNow();
    }

    public void Forget(string image) => _seen.TryRemove(image, out _);
}
