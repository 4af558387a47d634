using System.Net;
using Console.Contracts.Automations;
using Console.Tests.Infrastructure;

namespace Console.Tests.Automations;

/// <summary>The automation calls the tests make (typed, failing with the server's answer).</summary>
public static class AutomationApi
{
    public static async Task<AutomationDto> CreateAutomationAsync(this HttpClient http, CreateAutomationRequest request)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var response = await http.PostJsonAsync("/api/automations", request);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"creating the automation: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.ReadAsync<AutomationDto>();
    }

    public static Task<List<DeliveryDto>> DeliveriesAsync(this HttpClient http, Guid automation) =>
        http.GetFromJson<List<DeliveryDto>>($"/api/automations/{automation}/deliveries");

    public static Task<List<EventDto>> EventsAsync(this HttpClient http, string query = "") =>
        http.GetFromJson<List<EventDto>>($"/api/events{query}");

    public static AutomationAction Webhook(string url, string? secret = null) => new() { Type = ActionTypes.Webhook, Url = url, Secret = secret };
}
