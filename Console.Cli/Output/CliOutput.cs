using System.Text.Json;
using System.Text.Json.Nodes;
using Console.Cli.Hosting;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Console.Cli.Output;

/// <summary>Everything a command prints goes through here: tables, raw JSON, notes and hints.</summary>
public sealed class CliOutput(IAnsiConsole console, CliContext context)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public IAnsiConsole Console => console;

    public bool IsJson => context.IsJson;

    /// <summary>Writes JSON unwrapped and unstyled, so it stays parseable whatever the terminal width.</summary>
    public void Json(JsonNode? node)
    {
        var writer = console.Profile.Out.Writer;
        writer.Write(node?.ToJsonString(Indented) ?? "null");
        writer.Write('\n');
        writer.Flush();
    }

    /// <summary>The JSON answer with --output json, else the rendering.</summary>
    public void Show(JsonNode? node, Func<IRenderable> table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (IsJson)
        {
            Json(node);
        }
        else
        {
            console.Write(table());
        }
    }

    /// <summary>A plain message (not printed with --output json, which prints only JSON).</summary>
    public void Line(string markup)
    {
        if (!IsJson)
        {
            console.MarkupLine(markup);
        }
    }

    public void Success(string text) => Line($"[green]{Markup.Escape(text)}[/]");

    public void Note(string text) => Line($"[yellow]{Markup.Escape(text)}[/]");

    /// <summary>A command to run next, shown so it can be copied as it is.</summary>
    public void Hint(string text, string command) =>
        Line($"{Markup.Escape(text)}\n    [aqua]{Markup.Escape(command)}[/]");

    /// <summary>A message that must reach the user even with --output json: goes to the terminal as well.</summary>
    public void Warn(string text) => console.MarkupLine($"[yellow]{Markup.Escape(text)}[/]");

    /// <summary>
    /// Columns that hold names, ids and single-word values: never wrapped, so a name can be copied
    /// or grepped from any terminal width; the other columns fold to make room.
    /// </summary>
    private static readonly HashSet<string> NoWrapColumns = new(StringComparer.Ordinal)
    {
        "Name", "Id", "Prefix", "Pool", "Work pool", "Deployment", "Worker", "Queue", "Type", "Status", "State", "Role",
    };

    public static Table NewTable(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            var tableColumn = new TableColumn($"[bold]{Markup.Escape(column)}[/]");
            if (NoWrapColumns.Contains(column))
            {
                tableColumn.NoWrap();
            }

            table.AddColumn(tableColumn);
        }

        return table;
    }

    /// <summary>A two-column table of field names and values, for inspect commands.</summary>
    public static Grid Details(IEnumerable<(string Field, string Markup)> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        foreach (var (field, markup) in rows)
        {
            grid.AddRow(new Markup($"[bold]{Markup.Escape(field)}[/]"), new Markup(markup));
        }

        return grid;
    }

    public static string Pretty(JsonNode? node) => node?.ToJsonString(Indented) ?? "null";
}
