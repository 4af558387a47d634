using System.Net;
using Console.Contracts.Automations;
using Console.Core.Automations;
using Console.Core.Persistence;
using Console.Tests.Api;
using Console.Tests.Infrastructure;
using Console.Web.Automations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Console.Tests.Automations;

/// <summary>
/// With Automations:AllowPrivateNetworks off (the production default), a webhook cannot reach
/// loopback or private addresses: refused when saved, and again when the connection is made.
/// </summary>
public sealed class WebhookAddressTests(WebhookAddressTests.PublicOnlyApi factory) : ApiTestBase(factory), IClassFixture<WebhookAddressTests.PublicOnlyApi>
{
    public sealed class PublicOnlyApi : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Automations:AllowPrivateNetworks"] = "false" };
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://10.20.30.40/hook")]
    [InlineData("http://192.168.1.1/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[fd00::1]/hook")]
    [InlineData("http://[::ffff:127.0.0.1]/hook")]
    [InlineData("http://[64:ff9b::a00:1]/hook")]
    [InlineData("http://[2002:a00:1::1]/hook")]
    public async Task A_webhook_to_a_loopback_or_private_address_is_refused_when_saved(string url)
    {
        var response = await Client.PostJsonAsync("/api/automations", new CreateAutomationRequest
        {
            Name = Unique("probe"),
            Trigger = new AutomationTrigger { Type = TriggerTypes.WorkerOffline },
            Actions = [AutomationApi.Webhook(url)],
        });
        var problem = await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, "actions[0].url");
        Assert.Contains("AllowPrivateNetworks", problem.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(await Client.GetFromJson<List<AutomationDto>>("/api/automations"), a => a.Name.StartsWith("probe", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("64:ff9b::7f00:1", false)]
    [InlineData("64:ff9b::808:808", false)]
    [InlineData("2002:c0a8:101::1", false)]
    [InlineData("2002:808:808::1", false)]
    [InlineData("2001:4860:4860::8888", true)]
    [InlineData("8.8.8.8", true)]
    public void NAT64_and_6to4_addresses_are_not_public_whatever_IPv4_address_they_carry(string address, bool expected) =>
        Assert.Equal(expected, WebhookAddresses.IsPublic(System.Net.IPAddress.Parse(address)));

    [Fact]
    public async Task A_saved_webhook_whose_host_now_resolves_to_a_private_address_is_refused_at_delivery_and_nothing_is_sent()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var now = DateTime.UtcNow;

        // As if the name had resolved to a public address when saved and to loopback now (DNS rebinding).
        Guid id;
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            var automation = new Automation
            {
                Name = Unique("rebound"),
                TriggerType = TriggerTypes.WorkerOffline,
                Trigger = Contracts.Common.ConsoleJson.Serialize(new AutomationTrigger { Type = TriggerTypes.WorkerOffline }),
                Actions = Contracts.Common.ConsoleJson.Serialize(new[] { AutomationApi.Webhook(receiver.Url) }),
                ArmedAt = now, CreatedAt = now, UpdatedAt = now,
            };
            db.Automations.Add(automation);
            await db.SaveChangesAsync();
            id = automation.Id;
        }

        Assert.Equal(HttpStatusCode.Accepted, (await Client.PostAsync(new Uri($"/api/automations/{id}/test", UriKind.Relative), null)).StatusCode);
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<AutomationDispatcher>().RunAsync(default);
        }

        var delivery = Assert.Single(await Client.DeliveriesAsync(id));
        Assert.Equal("Failed", delivery.Outcome);
        Assert.Contains("private", delivery.Error, StringComparison.Ordinal);
        Assert.Empty(receiver.Received);

        // The same client with private networks allowed reaches the receiver: the refusal was the address check.
        using var allowed = new HttpClient(WebhookSender.Handler(Options.Create(new AutomationOptions { AllowPrivateNetworks = true })));
        using var answer = await allowed.PostAsync(new Uri(receiver.Url), new StringContent("{}"));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Single(receiver.Received);
    }
}
