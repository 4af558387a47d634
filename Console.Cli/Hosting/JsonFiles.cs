using System.Text.Json;
using System.Text.Json.Nodes;

namespace Console.Cli.Hosting;

public static class JsonFiles
{
    /// <summary>Reads a JSON object from a file named on the command line (relative to the working folder).</summary>
    public static JsonObject ReadObject(string path, string workingDirectory, string option)
    {
        var full = Path.GetFullPath(path, workingDirectory);
        if (!File.Exists(full))
        {
            throw new UsageException($"{option}: the file '{path}' does not exist.");
        }

        try
        {
            return JsonNode.Parse(File.ReadAllText(full)) as JsonObject
                ?? throw new UsageException($"{option}: '{path}' must hold a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new UsageException($"{option}: '{path}' is not valid JSON: {ex.Message}");
        }
    }
}
