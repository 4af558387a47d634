using System.Text.Json.Nodes;
using Console.Contracts.Common;
using Console.Contracts.WorkPools;
namespace Console.Tests.Core;

public sealed class JobTemplateTests
{
    private static JobTemplate Docker() => JobTemplate.Parse(WorkPoolTypes.DefaultTemplate("docker"));

    [Fact]
    public void Render_puts_each_variable_in_place_with_its_own_type()
    {
        var template = Docker();
        var vars = template.Merge("echo hi", new JsonObject { ["cpus"] = 0.5, ["env"] = new JsonObject { ["A"] = "1" } });
        var job = template.Render(vars);
        Assert.Equal(WorkPoolTypes.DefaultImage, job["image"]!.GetValue<string>());
        Assert.Equal("echo hi", job["command"]!.GetValue<string>());
        Assert.Equal(0.5, job["cpus"]!.GetValue<double>());
        Assert.Equal("""{"A":"1"}""", job["env"]!.ToJsonString());
        Assert.True(job["auto_remove"]!.GetValue<bool>());
        Assert.False(job["privileged"]!.GetValue<bool>());
        Assert.Null(job["mem_limit"]);
    }

    [Fact]
    public void Placeholders_inside_text_are_substituted_as_text()
    {
        var template = JobTemplate.Parse(JsonNode.Parse("""
            { "jobConfiguration": { "name": "run-{{ flow }}-{{ n }}" },
              "variables": { "type": "object", "properties": { "flow": { "type": "string" }, "n": { "type": "integer", "default": 3 } } } }
            """)!.AsObject());
        var job = template.Render(template.Merge(null, new JsonObject { ["flow"] = "etl" }));
        Assert.Equal("run-etl-3", job["name"]!.GetValue<string>());
    }

    [Fact]
    public void Later_layers_win_and_env_merges_key_by_key()
    {
        var template = Docker();
        var merged = template.Merge("deployment command",
            new JsonObject { ["command"] = "deployment vars", ["env"] = new JsonObject { ["A"] = "d", ["B"] = "d" } },
            new JsonObject { ["env"] = new JsonObject { ["B"] = "r" }, ["image"] = "other:1" });
        Assert.Equal("deployment vars", merged["command"]!.GetValue<string>());
        Assert.Equal("other:1", merged["image"]!.GetValue<string>());
        Assert.Equal("""{"A":"d","B":"r"}""", merged["env"]!.ToJsonString());
    }

    [Fact]
    public void Unknown_and_ill_typed_variables_are_named()
    {
        var ex = Assert.Throws<UnprocessableException>(() => Docker().ValidateVariables(new JsonObject
        {
            ["privileged"] = true,
            ["auto_remove"] = "yes",
            ["volumes"] = new JsonArray(1, 2),
            ["image"] = "fine:1",
        }));
        Assert.Equal(["jobVariables.auto_remove", "jobVariables.privileged", "jobVariables.volumes"], ex.Errors.Keys.Order());
    }

    [Fact]
    public void A_template_without_job_configuration_or_variables_is_refused()
    {
        Assert.Throws<InvalidRequestException>(() => JobTemplate.Parse(new JsonObject { ["variables"] = new JsonObject() }));
        Assert.Throws<InvalidRequestException>(() => JobTemplate.Parse(new JsonObject { ["jobConfiguration"] = new JsonObject() }));
    }

    [Theory]
    [InlineData("echo hi", new[] { "echo", "hi" })]
    [InlineData("sh -c 'echo \"a b\"; exit 3'", new[] { "sh", "-c", "echo \"a b\"; exit 3" })]
    [InlineData("a\\ b \"c d\" e", new[] { "a b", "c d", "e" })]
    [InlineData("", new string[0])]
    public void Commands_split_like_a_shell(string command, string[] expected) =>
        Assert.Equal(expected, CommandLine.Split(command));

    [Fact]
    public void An_unclosed_quote_is_a_clear_error() =>
        Assert.Throws<InvalidRequestException>(() => CommandLine.Split("echo 'oops"));
}
