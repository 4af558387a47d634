using System.Text;
using System.Text.Json;
using Console.Contracts.Common;
namespace Console.Worker.Outbox;

/// <summary>
/// Append-only file behind the outbox: one JSON line per queued item (<c>{"add":...}</c>) and per
/// delivered one (<c>{"ack":seq}</c>). Appends are O(1) however long the server is away; the file is
/// compacted when the outbox runs empty and on load. Lines reach the OS on every write (enough for a
/// killed worker process; a power cut may lose the last ones, which the server's lease reaper covers).
/// </summary>
public sealed class OutboxJournal : IDisposable
{
    private const long CompactAboveBytes = 1 << 20;
    private readonly string _path;
    private readonly Lock _gate = new();
    private FileStream _file;

    public OutboxJournal(string directory)
    {
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, "outbox.jsonl");
        _file = Open(FileMode.Append);
    }

    /// <summary>The items written and never acknowledged, in order; rewrites the file with only them.</summary>
    public IReadOnlyList<OutboxItem> Load()
    {
        lock (_gate)
        {
            _file.Dispose();
            var pending = new SortedDictionary<long, OutboxItem>();
            foreach (var line in File.ReadLines(_path))
            {
                Record? record;
                try
                {
                    record = JsonSerializer.Deserialize<Record>(line, ConsoleJson.Options);
                }
                catch (JsonException)
                {
                    continue; // a line torn by a crash mid-write: everything before it is intact
                }

                if (record?.Add is { } add)
                {
                    pending[add.Seq] = add;
                }
                else if (record?.Ack is { } ack)
                {
                    pending.Remove(ack);
                }
            }

            var items = pending.Values.ToList();
            Rewrite(items);
            return items;
        }
    }

    public void Append(OutboxItem item) => Write(new Record { Add = item });

    public void Acknowledge(long seq) => Write(new Record { Ack = seq });

    /// <summary>Called when nothing is pending: drops the history once it has grown.</summary>
    public void CompactIfEmpty()
    {
        lock (_gate)
        {
            if (_file.Length > CompactAboveBytes)
            {
                Rewrite([]);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file.Dispose();
        }
    }

    private void Write(Record record)
    {
        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(record, ConsoleJson.Options) + "\n");
        lock (_gate)
        {
            _file.Write(bytes);
            _file.Flush();
        }
    }

    private void Rewrite(List<OutboxItem> items)
    {
        _file.Dispose();
        var temp = _path + ".tmp";
        using (var writer = new StreamWriter(temp, append: false, new UTF8Encoding(false)))
        {
            foreach (var item in items)
            {
                writer.Write(JsonSerializer.Serialize(new Record { Add = item }, ConsoleJson.Options));
                writer.Write('\n');
            }
        }

        File.Move(temp, _path, overwrite: true);
        _file = Open(FileMode.Append);
    }

    private FileStream Open(FileMode mode) => new(_path, mode, FileAccess.Write, FileShare.Read);

    private sealed record Record
    {
        public OutboxItem? Add { get; init; }

        public long? Ack { get; init; }
    }
}
