// flow: hello-csharp
// A C# file-based app flow: `dotnet run hello.cs`. Greets `name`, `count` times; parameters
// arrive as JSON in CONSOLE_FLOW_RUN_PARAMETERS, e.g. {"name": "Grace", "count": 2}.
using System.Text.Json;

var name = "world";
var count = 1;
var parameters = Environment.GetEnvironmentVariable("CONSOLE_FLOW_RUN_PARAMETERS");
if (!string.IsNullOrWhiteSpace(parameters))
{
    using var json = JsonDocument.Parse(parameters);
    if (json.RootElement.TryGetProperty("name", out var nameValue) && nameValue.ValueKind == JsonValueKind.String)
    {
        name = nameValue.GetString()!;
    }

    if (json.RootElement.TryGetProperty("count", out var countValue)
        && !(countValue.ValueKind == JsonValueKind.Number && countValue.TryGetInt32(out count) && count is >= 1 and <= 100))
    {
        await Console.Error.WriteLineAsync($"count must be a whole number from 1 to 100, not {countValue.GetRawText()}.");
        return 2;
    }
}

var run = Environment.GetEnvironmentVariable("CONSOLE_FLOW_RUN_ID");
Console.WriteLine(run is null ? "Running outside the console." : $"Flow run {run}.");
for (var i = 1; i <= count; i++)
{
    Console.WriteLine($"Hello, {name}! ({i}/{count}) from C# {Environment.Version}");
}

return 0;
