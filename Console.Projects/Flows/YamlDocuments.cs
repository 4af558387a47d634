using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Console.Projects.Flows;

/// <summary>A YAML file read as JSON (the CLI's <c>-f file.yaml</c>), types kept as the manifest keeps them.</summary>
public static class YamlDocuments
{
    /// <summary>The document's root as JSON; a <see cref="FlowProjectException"/> naming the line on bad YAML.</summary>
    public static JsonNode? ToJson(string yaml, string fileName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new FlowProjectException(ex.Message, fileName, (int)ex.Start.Line, (int)ex.Start.Column, ex);
        }

        return stream.Documents.Count == 0
            ? null
            : YamlJson.ToJson(stream.Documents[0].RootNode, (node, reason) => new FlowProjectException(reason, fileName, (int)node.Start.Line, (int)node.Start.Column));
    }
}
