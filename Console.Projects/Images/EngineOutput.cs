using System.Text;
using System.Text.RegularExpressions;
using Docker.DotNet.Models;

namespace Console.Projects.Images;

/// <summary>
/// Turns the engine's progress messages into lines: build output arrives as fragments of text,
/// push output as per-layer statuses that repeat with every progress tick (each change of a layer's
/// status is one line). Remembers the first error, the pushed digest and the last lines.
/// Docker.DotNet reports synchronously on its reading thread, so no locking is needed.
/// </summary>
internal sealed partial class EngineOutput(ImageBuildStage stage, IProgress<ImageBuildLine>? sink) : IProgress<JSONMessage>
{
    private const int TailLines = 20;
    private readonly StringBuilder _partial = new();
    private readonly Dictionary<string, string> _layerStatus = new(StringComparer.Ordinal);
    private readonly Queue<string> _tail = new();

    public string? Error { get; private set; }

    public string? Digest { get; private set; }

    public IReadOnlyList<string> Tail => [.. _tail];

    [GeneratedRegex(@"digest: (?<digest>sha256:[0-9a-f]{64})", RegexOptions.CultureInvariant)]
    private static partial Regex DigestPattern();

    public void Report(JSONMessage value)
    {
        if (value is null)
        {
            return;
        }

        if (!string.IsNullOrEmpty(value.Stream))
        {
            Text(value.Stream);
        }

        if (!string.IsNullOrEmpty(value.Status))
        {
            Status(value.ID, value.Status);
        }

        var error = value.Error?.Message is { Length: > 0 } message ? message : value.ErrorMessage;
        if (!string.IsNullOrWhiteSpace(error))
        {
            Fail(error.Trim());
        }
    }

    public void Line(string text)
    {
        Flush();
        Emit(text, isError: false);
    }

    public void Fail(string error)
    {
        Flush();
        Error ??= error;
        Emit(error, isError: true);
    }

    public void Complete() => Flush();

    private void Text(string fragment)
    {
        foreach (var c in fragment)
        {
            if (c == '\n')
            {
                Emit(_partial.ToString().TrimEnd('\r'), isError: false);
                _partial.Clear();
            }
            else
            {
                _partial.Append(c);
            }
        }
    }

    private void Status(string? id, string status)
    {
        if (DigestPattern().Match(status) is { Success: true } match)
        {
            Digest = match.Groups["digest"].Value;
        }

        if (!string.IsNullOrEmpty(id))
        {
            // "Pushing" repeats with every progress tick of a layer: one line per change of status.
            if (_layerStatus.TryGetValue(id, out var last) && last == status)
            {
                return;
            }

            _layerStatus[id] = status;
            Line($"{id}: {status}");
            return;
        }

        Line(status);
    }

    private void Flush()
    {
        if (_partial.Length > 0)
        {
            Emit(_partial.ToString().TrimEnd('\r'), isError: false);
            _partial.Clear();
        }
    }

    private void Emit(string text, bool isError)
    {
        _tail.Enqueue(text);
        while (_tail.Count > TailLines)
        {
            _tail.Dequeue();
        }

        sink?.Report(new ImageBuildLine(stage, text, isError));
    }
}
