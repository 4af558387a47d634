using Console.Contracts.Automations;
using Console.Web.Components.Automations;

namespace Console.Tests.Automations;

/// <summary>The builder's webhook fields: what it sends back for an action it read keeps what the server holds, or removes the secret when asked.</summary>
public sealed class ActionFormTests
{
    private static readonly AutomationAction Read = new()
    {
        Id = "a1b2c3d4e5f6",
        Type = ActionTypes.Webhook,
        Url = "https://hooks.example.com/x",
        HasSecret = true,
        Headers = new Dictionary<string, string> { ["Authorization"] = AutomationAction.RedactedHeader },
    };

    [Fact]
    public void An_action_sent_back_as_read_carries_its_id_and_redacted_headers_and_no_secret_change()
    {
        var form = ActionForm.From(Read);
        form.Url = "https://hooks.example.com/moved";
        var errors = new Dictionary<string, string>();
        var sent = form.ToAction("actions[0]", errors);

        Assert.Empty(errors);
        Assert.Equal((Read.Id, "https://hooks.example.com/moved", null, (bool?)null), (sent.Id, sent.Url, sent.Secret, sent.HasSecret));
        Assert.Equal(AutomationAction.RedactedHeader, sent.Headers!["Authorization"]);
    }

    [Fact]
    public void Remove_secret_sends_hasSecret_false_unless_a_new_secret_is_typed()
    {
        var form = ActionForm.From(Read);
        form.RemoveSecret = true;
        var removed = form.ToAction("actions[0]", []);
        Assert.Equal((false, null), (removed.HasSecret, removed.Secret));

        form.Secret = "a-new-one";
        var replaced = form.ToAction("actions[0]", []);
        Assert.Equal(((bool?)null, "a-new-one"), (replaced.HasSecret, replaced.Secret));
    }
}
