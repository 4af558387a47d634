using System.Net;
using System.Net.Http.Headers;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Security;
using Console.Core.Persistence;
using Console.Core.Security;
using Console.Tests.Infrastructure;
using Console.Tests.Web.Browser;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests.Security;

/// <summary>
/// Revocation reaches what is already open: a revoked key's live-hub stream and a deleted user's
/// UI circuit are closed within 5 s, not only refused on their next request.
/// </summary>
public sealed class RevocationTests(SecureConsoleServer server) : IClassFixture<SecureConsoleServer>, IAsyncLifetime
{
    internal const string Password = "correct horse battery staple";
    internal static readonly TimeSpan Within = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private HttpClient _admin = default!;

    public async Task InitializeAsync()
    {
        _admin = server.CreateHttpClient();
        _admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await server.KeyAsync(Roles.Admin));
    }

    public Task DisposeAsync()
    {
        _admin.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_revoked_keys_open_hub_stream_is_closed_and_gets_no_event_after_revocation()
    {
        var pool = await CreatePoolAsync(_admin);
        var key = await (await _admin.PostJsonAsync("/api/keys", new CreateApiKeyRequest { Name = "dashboard", Role = Roles.Viewer })).ReadAsync<CreatedApiKeyDto>();
        await using var revoked = await HubAsync(server.BaseUrl, key.Key, pool);
        await using var witness = await HubAsync(server.BaseUrl, await server.KeyAsync(Roles.Viewer), pool);

        await HeartbeatAsync(_admin, pool, "before");
        await revoked.Received("before").WaitAsync(Timeout);

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/keys/{key.Id}")).StatusCode);
        await revoked.Closed.WaitAsync(Within);

        // The witness, still valid, hears the next event; the revoked stream must not have.
        await HeartbeatAsync(_admin, pool, "after");
        await witness.Received("after").WaitAsync(Timeout);
        Assert.DoesNotContain("after", revoked.Workers);
        Assert.Equal(HubConnectionState.Disconnected, revoked.Connection.State);

        var again = await Assert.ThrowsAsync<HttpRequestException>(() => HubAsync(server.BaseUrl, key.Key, pool));
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    [Fact]
    public async Task A_key_revoked_where_no_event_reached_is_closed_at_the_next_check()
    {
        var pool = await CreatePoolAsync(_admin);
        var key = await (await _admin.PostJsonAsync("/api/keys", new CreateApiKeyRequest { Name = "behind the feed", Role = Roles.Viewer })).ReadAsync<CreatedApiKeyDto>();
        await using var hub = await HubAsync(server.BaseUrl, key.Key, pool);

        // Straight in the database, as if another replica revoked it while Redis was down: no event here.
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            await db.ApiKeys.Where(k => k.Id == key.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, DateTime.UtcNow));
        }

        // The server re-checks open connections every Security:RevalidateSeconds (5 s here).
        await hub.Closed.WaitAsync(TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_deleted_users_ui_circuit_is_closed()
    {
        var user = await UserAsync(server.Services, Roles.Operator);
        var chromium = TestEnvironment.RequireChromium();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserFixture.LaunchAsync(playwright, chromium);
        var page = await BrowserFixture.NewPageAsync(browser, server.BaseUrl);
        await SignInAsync(page, user);
        var console = new WorkPoolsPage(page);
        await console.OpenAsync();
        await Expect(page.Locator("#components-reconnect-modal")).ToBeHiddenAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/users/{user}")).StatusCode);

        // Blazor shows its reconnect dialog once the circuit's connection is gone, and cannot resume it.
        await Expect(page.Locator("#components-reconnect-modal")).ToBeVisibleAsync(new() { Timeout = (float)Within.TotalMilliseconds });
        await page.ReloadAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin"));
    }

    internal static async Task SignInAsync(IPage page, string user)
    {
        await page.GotoAsync("/signin");
        await page.Locator("#username").FillAsync(user);
        await page.Locator("#password").FillAsync(Password);
        await page.Locator("button[type=submit]").ClickAsync();
        await Expect(page.Locator("#console-app")).ToHaveAttributeAsync("data-interactive", "true");
    }

    internal static async Task<string> UserAsync(IServiceProvider services, string role)
    {
        var name = "person-" + Guid.NewGuid().ToString("N")[..10];
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<UserService>().CreateAsync(new CreateUserRequest { UserName = name, Role = role, Password = Password });
        return name;
    }

    internal static async Task<string> CreatePoolAsync(HttpClient client)
    {
        var name = "revoke-" + Guid.NewGuid().ToString("N")[..10];
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = name, Type = "process" })).StatusCode);
        return name;
    }

    internal static async Task HeartbeatAsync(HttpClient client, string pool, string worker) =>
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostJsonAsync($"/api/work-pools/{pool}/workers/heartbeat", new { name = worker })).StatusCode);

    /// <summary>A live-hub client with a key, joined to a pool, noting the workers it hears of and when it is closed.</summary>
    internal static async Task<HubClient> HubAsync(string baseUrl, string key, string pool)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl($"{baseUrl}/hubs/live", o =>
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(key);
                o.Transports = HttpTransportType.WebSockets;
            })
            .AddJsonProtocol(o => ConsoleJson.Configure(o.PayloadSerializerOptions))
            .Build();
        var client = new HubClient(connection);
        try
        {
            await connection.StartAsync();
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        await connection.InvokeAsync("JoinPool", pool);
        return client;
    }

    internal sealed class HubClient : IAsyncDisposable
    {
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Dictionary<string, TaskCompletionSource> _received = [];
        private readonly Lock _lock = new();

        public HubClient(HubConnection connection)
        {
            Connection = connection;
            connection.Closed += _ =>
            {
                _closed.TrySetResult();
                return Task.CompletedTask;
            };
            connection.On<WorkerDto>("WorkerChanged", worker =>
            {
                lock (_lock)
                {
                    Workers.Add(worker.Name);
                    Signal(worker.Name).TrySetResult();
                }
            });
        }

        public HubConnection Connection { get; }

        public List<string> Workers { get; } = [];

        public Task Closed => _closed.Task;

        public Task Received(string worker)
        {
            lock (_lock)
            {
                return Signal(worker).Task;
            }
        }

        public ValueTask DisposeAsync() => Connection.DisposeAsync();

        private TaskCompletionSource Signal(string worker)
        {
            if (!_received.TryGetValue(worker, out var signal))
            {
                signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _received[worker] = signal;
            }

            return signal;
        }
    }
}
