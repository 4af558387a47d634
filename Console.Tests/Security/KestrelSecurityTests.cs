using System.Net;
using Console.Contracts;
using Console.Contracts.Security;
using Console.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace Console.Tests.Security;

/// <summary>Over real HTTP: the live hub takes the same keys (header or access_token), /hangfire is for admins.</summary>
public sealed class KestrelSecurityTests(SecureConsoleServer server) : IClassFixture<SecureConsoleServer>
{
    [Fact]
    public async Task The_live_hub_accepts_a_viewer_key_and_refuses_none_or_a_worker_key()
    {
        var viewer = await server.KeyAsync(Roles.Viewer);
        await using (var hub = Hub(viewer))
        {
            await hub.StartAsync();
            await hub.InvokeAsync("JoinPool", "any-pool");
            Assert.Equal(HubConnectionState.Connected, hub.State);
        }

        await using var anonymous = Hub(null);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        await using var worker = Hub(await server.KeyAsync(Roles.Worker, "some-pool"));
        var forbidden = await Assert.ThrowsAsync<HttpRequestException>(() => worker.StartAsync());
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    [Fact]
    public async Task Hangfire_is_for_admins()
    {
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(server.BaseUrl) };
        var toSignIn = await anonymous.GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.Redirect, toSignIn.StatusCode);
        Assert.StartsWith("/signin", toSignIn.Headers.Location!.AbsolutePath, StringComparison.Ordinal);

        using var http = server.CreateHttpClient();

        http.DefaultRequestHeaders.Authorization = new("Bearer", await server.KeyAsync(Roles.Viewer));
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync("/hangfire")).StatusCode);

        using var admin = server.CreateHttpClient();
        admin.DefaultRequestHeaders.Authorization = new("Bearer", await server.KeyAsync(Roles.Admin));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/hangfire")).StatusCode);
    }

    [Fact]
    public async Task A_worker_key_over_real_http_polls_its_pool()
    {
        using var admin = server.CreateHttpClient();
        admin.DefaultRequestHeaders.Authorization = new("Bearer", await server.KeyAsync(Roles.Admin));
        var pool = $"kestrel-{Guid.NewGuid():N}"[..20];
        Assert.Equal(HttpStatusCode.Created, (await admin.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = pool, Type = "process" })).StatusCode);

        using var worker = server.CreateHttpClient();
        worker.DefaultRequestHeaders.Authorization = new("Bearer", await server.KeyAsync(Roles.Worker, pool));
        Assert.Equal(HttpStatusCode.OK, (await worker.PostJsonAsync($"/api/work-pools/{pool}/poll", new PollRequest { WorkerName = "w", WaitSeconds = 0 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = "x", Type = "process" })).StatusCode);
    }

    private HubConnection Hub(string? key) => new HubConnectionBuilder()
        .WithUrl(server.BaseUrl + "/hubs/live", options =>
        {
            if (key is not null)
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(key);
            }
        })
        .Build();
}
