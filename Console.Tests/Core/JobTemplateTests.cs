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

    [Fact]
    public void A_deferred_template_checks_its_structure_at_once_and_its_schemas_at_the_first_check()
    {
        // What a worker reads at each pool refresh: the structure is checked now, the schemas (which
        // only the server should ever have let through) when a run's variables are checked.
        Assert.Throws<InvalidRequestException>(() => JobTemplate.ParseDeferred(new JsonObject { ["variables"] = new JsonObject() }));
        var badSchema = JsonNode.Parse("""
            { "jobConfiguration": { "image": "{{ image }}" },
              "variables": { "type": "object", "properties": { "image": { "type": "string", "minLength": "five" } } } }
            """)!.AsObject();
        Assert.Throws<InvalidRequestException>(() => JobTemplate.Parse(badSchema.DeepClone().AsObject()));

        var deferred = JobTemplate.ParseDeferred(badSchema);
        Assert.True(deferred.Declares("image"));
        var ex = Assert.Throws<InvalidRequestException>(() => deferred.ValidateVariables(new JsonObject { ["image"] = "x:1" }));
        Assert.Equal(["baseJobTemplate.variables.properties.image"], ex.Errors.Keys);

        var good = JobTemplate.ParseDeferred(WorkPoolTypes.DefaultTemplate("docker"));
        var refused = Assert.Throws<UnprocessableException>(() => good.ValidateVariables(new JsonObject { ["auto_remove"] = "yes", ["image"] = "fine:1" }));
        Assert.Equal(["jobVariables.auto_remove"], refused.Errors.Keys);
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
