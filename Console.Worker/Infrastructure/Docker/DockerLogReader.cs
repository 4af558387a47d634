using System.Globalization;
using System.Text;
using Docker.DotNet;

namespace Console.Worker.Infrastructure.Docker;

/// <summary>
/// Reads a container's multiplexed log stream (tty off, timestamps on) and hands complete lines to
/// the sink with Docker's own timestamps, stdout and stderr each in order. Lines at or before
/// <c>after</c> are skipped: that is how an adopted container resumes where the last worker stopped.
/// </summary>
internal static class DockerLogReader
{
    public static async Task ReadAsync(MultiplexedStream stream, ILogSink sink, DateTime? after, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        var stdout = new LineAssembler("stdout", sink, after);
        var stderr = new LineAssembler("stderr", sink, after);
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken);
            if (read.EOF)
            {
                break;
            }

            var target = read.Target == MultiplexedStream.TargetStream.StandardError ? stderr : stdout;
            target.Append(buffer.AsSpan(0, read.Count));
        }

        stdout.Complete();
        stderr.Complete();
    }

    /// <summary>Docker's <c>since</c> parameter: Unix seconds with a fraction.</summary>
    public static string Since(DateTime after)
    {
        var ticks = after.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks;
        return (ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture)
            + "." + (ticks % TimeSpan.TicksPerSecond).ToString("D7", CultureInfo.InvariantCulture);
    }

    /// <summary>RFC 3339 with nanoseconds, which .NET does not parse: the fraction is cut to ticks.</summary>
    internal static bool TryParseTimestamp(string text, out DateTime timestamp)
    {
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            var fraction = text[(dot + 1)..end];
            text = text[..dot] + (fraction.Length > 0 ? "." + fraction[..Math.Min(7, fraction.Length)] : string.Empty) + text[end..];
        }

        return DateTime.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out timestamp);
    }

    private sealed class LineAssembler(string streamName, ILogSink sink, DateTime? after)
    {
        private readonly List<byte> _pending = [];

        public void Append(ReadOnlySpan<byte> chunk)
        {
            while (chunk.Length > 0)
            {
                var newline = chunk.IndexOf((byte)'\n');
                if (newline < 0)
                {
                    _pending.AddRange(chunk);
                    return;
                }

                _pending.AddRange(chunk[..newline]);
                Emit();
                chunk = chunk[(newline + 1)..];
            }
        }

        public void Complete()
        {
            if (_pending.Count > 0)
            {
                Emit();
            }
        }

        private void Emit()
        {
            var text = Encoding.UTF8.GetString([.. _pending]).TrimEnd('\r');
            _pending.Clear();
            DateTime? timestamp = null;
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && TryParseTimestamp(text[..space], out var parsed))
            {
                timestamp = parsed;
                text = text[(space + 1)..];
            }

            if (timestamp is { } ts && after is { } cursor && ts <= cursor)
            {
                return;
            }

            sink.Write(streamName, text, timestamp);
        }
    }
}
