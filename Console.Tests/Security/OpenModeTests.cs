using System.Net;
using Console.Contracts;
using Console.Contracts.Security;
using Console.Tests.Infrastructure;

namespace Console.Tests.Security;

/// <summary>
/// A fresh console on loopback with no user or key runs open (the README's two-command start), but
/// only for requests from this machine, and only until the first credential exists.
/// </summary>
public sealed class OpenModeTests
{
    [Fact]
    public async Task A_fresh_console_is_open_to_local_callers_until_the_first_key_then_requires_it()
    {
        using var factory = new ApiFactory();
        using var anonymous = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/work-pools")).StatusCode);
        var me = await (await anonymous.GetAsync("/api/me")).ReadAsync<WhoAmIDto>();
        Assert.False(me.AuthRequired);

        var first = await anonymous.PostJsonAsync("/api/keys", new CreateApiKeyRequest { Name = "mine", Role = Roles.Admin });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var key = (await first.ReadAsync<CreatedApiKeyDto>()).Key;

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/work-pools")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostJsonAsync("/api/keys", new CreateApiKeyRequest { Name = "second", Role = Roles.Admin })).StatusCode);
        using var withKey = factory.CreateClient();
        withKey.DefaultRequestHeaders.Authorization = new("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/api/work-pools")).StatusCode);
    }

    [Theory]
    [InlineData("X-Forwarded-For", "203.0.113.7")]
    [InlineData("Forwarded", "for=203.0.113.7")]
    [InlineData("Host", "console.example.com")]
    [InlineData("Host", "192.168.1.20:5000")]
    public async Task Proxied_or_foreign_host_requests_are_never_open(string header, string value)
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/work-pools");
        if (header == "Host")
        {
            request.Headers.Host = value;
        }
        else
        {
            request.Headers.Add(header, value);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(request)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/work-pools")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_key_is_401_even_on_an_open_console()
    {
        using var factory = new ApiFactory();
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", "cx_deadbeef_stale-key-from-another-console-xxxxxxxx");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/work-pools")).StatusCode);
    }

    [Fact]
    public async Task Require_auth_closes_even_a_fresh_local_console()
    {
        using var factory = new SecureApiFactory();
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/work-pools")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostJsonAsync("/api/keys", new CreateApiKeyRequest { Name = "x", Role = Roles.Admin })).StatusCode);
    }
}
