using System.Text.Json.Nodes;
using Bunit;
using Console.Contracts.WorkPools;
using Console.Web.Components.Forms;

namespace Console.Tests.Web.Components;

public sealed class SchemaFormTests : ComponentTestBase
{
    private static JsonObject DockerVariables => (JsonObject)WorkPoolTypes.DefaultTemplate(WorkPoolTypes.Docker)["variables"]!;

    [Fact]
    public void Every_variable_gets_an_editor_of_its_type()
    {
        var form = SchemaFormModel.ForDefaults(DockerVariables);

        Assert.Equal(FieldKind.Text, form["image"]!.Kind);
        Assert.Equal(FieldKind.KeyValue, form["env"]!.Kind);
        Assert.Equal(FieldKind.KeyValue, form["labels"]!.Kind);
        Assert.Equal(FieldKind.StringList, form["volumes"]!.Kind);
        Assert.Equal(FieldKind.Number, form["cpus"]!.Kind);
        Assert.Equal(FieldKind.Boolean, form["auto_remove"]!.Kind);
        Assert.Equal(FieldKind.Choice, form["image_pull_policy"]!.Kind);
        Assert.Equal(["Always", "IfNotPresent", "Never"], form["image_pull_policy"]!.Choices.Select(SchemaField.Display));
        Assert.Equal(FieldKind.WholeNumber, SchemaField.KindOf(new JsonObject { ["type"] = "integer" }));
        Assert.Equal(FieldKind.Json, SchemaField.KindOf(new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "integer" } }));
        Assert.Equal(FieldKind.Text, SchemaField.KindOf(new JsonObject { ["type"] = new JsonArray("string", "null") }));
    }

    [Fact]
    public void Defaults_fill_the_form_and_edits_become_the_new_defaults()
    {
        var form = SchemaFormModel.ForDefaults(DockerVariables);
        Assert.Equal(WorkPoolTypes.DefaultImage, form["image"]!.Text);
        Assert.True(form["stream_output"]!.Flag);
        Assert.Equal("\"IfNotPresent\"", form["image_pull_policy"]!.Text);

        form["image"]!.Text = "registry.local/flows:1.2";
        form["env"]!.Pairs.Add(new KeyValueRow { Key = "LOG_LEVEL", Value = "debug" });
        form["volumes"]!.Items.Add("/data:/data:ro");
        form["cpus"]!.Text = "0.5";
        form["image_pull_policy"]!.Text = string.Empty;

        var schema = form.ApplyDefaults(DockerVariables);
        var properties = (JsonObject)schema["properties"]!;
        Assert.Equal("registry.local/flows:1.2", properties["image"]!["default"]!.GetValue<string>());
        Assert.Equal("debug", properties["env"]!["default"]!["LOG_LEVEL"]!.GetValue<string>());
        Assert.Equal("/data:/data:ro", properties["volumes"]!["default"]![0]!.GetValue<string>());
        Assert.Equal(0.5, properties["cpus"]!["default"]!.GetValue<double>());
        Assert.Null(properties["image_pull_policy"]!["default"]);
        // The rest of the schema stays as it was.
        Assert.Equal("Image pull policy", properties["image_pull_policy"]!["title"]!.GetValue<string>());
    }

    [Fact]
    public void What_the_form_builds_is_a_template_the_server_accepts()
    {
        foreach (var type in WorkPoolTypes.All())
        {
            var editor = new TemplateEditorModel(type.BaseJobTemplate);
            editor.Form.Fields[0].Text = "changed";
            var built = editor.Build()!;
            var parsed = JobTemplate.Parse(built);
            Assert.Equal("changed", parsed.Properties[editor.Form.Fields[0].Name]!["default"]!.GetValue<string>());
        }
    }

    [Fact]
    public void Numbers_are_checked_while_typed()
    {
        var field = SchemaField.Create("replicas", new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 10 });

        field.Text = "two";
        Assert.Equal("Enter a whole number.", field.Error);
        field.Text = "0";
        Assert.Equal("The smallest allowed value is 1.", field.Error);
        field.Text = "11";
        Assert.Equal("The largest allowed value is 10.", field.Error);
        field.Text = "3";
        Assert.Null(field.Error);
        Assert.Equal(3, field.ToJson()!.GetValue<long>());
    }

    [Fact]
    public void Key_value_entries_need_unique_names()
    {
        var form = SchemaFormModel.ForValues(DockerVariables, null);
        var env = form["env"]!;
        env.Pairs.Add(new KeyValueRow { Key = "A", Value = "1" });
        env.Pairs.Add(new KeyValueRow { Key = "A", Value = "2" });
        Assert.Equal("'A' is set twice.", env.Error);
        Assert.False(form.IsValid);

        env.Pairs[1].Key = " ";
        Assert.Equal("Every entry needs a name.", env.Error);
    }

    [Fact]
    public void Overrides_send_only_what_is_set()
    {
        var form = SchemaFormModel.ForValues(DockerVariables, new JsonObject { ["image"] = "app:2" });
        Assert.Equal("app:2", form["image"]!.Text);
        Assert.False(form["stream_output"]!.IsSet);

        form["auto_remove"]!.Flag = false;
        var values = form.ToValues();

        Assert.Equal(["image", "auto_remove"], values.Select(v => v.Key));
        Assert.False(values["auto_remove"]!.GetValue<bool>());
    }

    [Fact]
    public void Server_errors_land_on_the_field_they_name()
    {
        var form = SchemaFormModel.ForValues(DockerVariables, null);
        var landed = form.ApplyServerErrors(
            new Dictionary<string, string[]>
            {
                ["jobVariables.cpus"] = ["'cpus' does not match the pool's schema: expected number"],
                ["jobVariables.gpu"] = ["The pool's base job template declares no variable 'gpu'."],
            },
            "jobVariables.");

        Assert.True(landed);
        Assert.Equal("'cpus' does not match the pool's schema: expected number", form["cpus"]!.Error);
        Assert.Equal(["The pool's base job template declares no variable 'gpu'."], form.OtherErrors);
    }

    [Fact]
    public void The_JSON_view_edits_the_whole_template()
    {
        var editor = new TemplateEditorModel(WorkPoolTypes.DefaultTemplate(WorkPoolTypes.Process));
        editor.Form["working_dir"]!.Text = "/srv/flows";
        editor.ToJson();
        Assert.Contains("/srv/flows", editor.JsonText, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u0027", editor.JsonText, StringComparison.Ordinal);

        editor.JsonText = "{ not json";
        Assert.False(editor.ToForm());
        Assert.StartsWith("Not valid JSON", editor.JsonError, StringComparison.Ordinal);
        Assert.Null(editor.Build());

        editor.JsonText = JsonView.Indented(WithNewVariable());
        Assert.True(editor.ToForm());
        Assert.Equal(FieldKind.WholeNumber, editor.Form["retries"]!.Kind);
        Assert.Equal("2", editor.Form["retries"]!.Text);
    }

    [Fact]
    public void Renders_an_input_per_variable_and_edits_the_model()
    {
        var form = SchemaFormModel.ForDefaults(DockerVariables);
        var changes = 0;
        var cut = RenderWithProviders<SchemaForm>(p => p
            .Add(x => x.Model, form)
            .Add(x => x.OnChanged, () => changes++));

        foreach (var field in form.Fields)
        {
            Assert.NotNull(cut.Find($"[data-testid=field-{field.Name}]"));
        }

        cut.Find("input#var-image").Input("registry.local/app:3");
        cut.WaitForAssertion(() => Assert.Equal("registry.local/app:3", form["image"]!.Text));

        cut.Find("[data-testid=var-env-add]").Click();
        cut.WaitForElement("input#var-env-0-key").Input("TOKEN_FILE");
        cut.Find("input#var-env-0-value").Input("/run/secrets/token");
        cut.WaitForAssertion(() => Assert.Equal("/run/secrets/token", form.ToValues()["env"]!["TOKEN_FILE"]!.GetValue<string>()));

        cut.Find("input#var-cpus").Input("lots");
        cut.WaitForAssertion(() => Assert.Contains("Enter a number", cut.Find("[data-testid=field-cpus]").TextContent, StringComparison.Ordinal));
        Assert.True(changes >= 4);
    }

    [Fact]
    public void A_server_error_shows_under_its_field()
    {
        var form = SchemaFormModel.ForDefaults(DockerVariables);
        form.ApplyServerErrors(new Dictionary<string, string[]>
        {
            ["baseJobTemplate.variables.properties.mem_limit.default"] = ["The default of variable 'mem_limit' does not match its own schema."],
        }, TemplateEditorModel.ErrorPrefix);

        var cut = RenderWithProviders<SchemaForm>(p => p.Add(x => x.Model, form));

        Assert.Contains("does not match its own schema", cut.Find("[data-testid=field-mem_limit]").TextContent, StringComparison.Ordinal);
    }

    private static JsonObject WithNewVariable()
    {
        var template = WorkPoolTypes.DefaultTemplate(WorkPoolTypes.Process);
        ((JsonObject)template["variables"]!["properties"]!)["retries"] = new JsonObject { ["type"] = "integer", ["default"] = 2 };
        return template;
    }
}
