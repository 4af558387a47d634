using System.Net;
using System.Text;
using Console.Contracts.Security;
namespace Console.Tests.Security;

/// <summary>Viewer reads; operator also changes pools, queues, deployments and runs; admin also keys, users and the audit log.</summary>
public sealed class RoleMatrixTests(SecureApiFactory factory) : SecurityTestBase(factory), IClassFixture<SecureApiFactory>
{
    private const int Allowed = 0;

    /// <summary>role, method, path, expected: Allowed (any answer but 401/403) or 403.</summary>
    public static TheoryData<string, string, string, int> Matrix()
    {
        var data = new TheoryData<string, string, string, int>();
        (string Method, string Path, string MinimumRole)[] calls =
        [
            ("GET", "/api/work-pools", Roles.Viewer),
            ("GET", "/api/work-pools/{pool}", Roles.Viewer),
            ("GET", "/api/work-pools/{pool}/queues", Roles.Viewer),
            ("GET", "/api/deployments", Roles.Viewer),
            ("GET", "/api/flow-runs", Roles.Viewer),
            ("GET", "/api/workers", Roles.Viewer),
            ("GET", "/api/me", Roles.Viewer),
            ("POST", "/api/work-pools", Roles.Operator),
            ("PATCH", "/api/work-pools/{pool}", Roles.Operator),
            ("POST", "/api/work-pools/{pool}/pause", Roles.Operator),
            ("POST", "/api/work-pools/{pool}/queues", Roles.Operator),
            ("POST", "/api/deployments", Roles.Operator),
            ("POST", "/api/work-pools/{pool}/poll", Roles.Operator),
            ("GET", "/api/keys", Roles.Admin),
            ("POST", "/api/keys", Roles.Admin),
            ("GET", "/api/users", Roles.Admin),
            ("POST", "/api/users", Roles.Admin),
            ("GET", "/api/audit", Roles.Admin),
        ];
        string[] order = [Roles.Viewer, Roles.Operator, Roles.Admin];
        foreach (var role in order)
        {
            foreach (var (method, path, minimum) in calls)
            {
                data.Add(role, method, path, Array.IndexOf(order, role) >= Array.IndexOf(order, minimum) ? Allowed : 403);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_role_reaches_what_it_may_and_gets_403_elsewhere(string role, string method, string path, int expected)
    {
        var pool = await CreatePoolAsync(type: "process");
        using var client = Factory.ClientWith(await Factory.KeyAsync(role));
        var before = await RowsAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{pool}", pool.Name, StringComparison.Ordinal));
        if (method is "POST" or "PATCH")
        {
            request.Content = new StringContent(Body(path, pool.Name), Encoding.UTF8, "application/json");
        }

        var response = await client.SendAsync(request);
        if (expected == 403)
        {
            await AssertProblemAsync(response, HttpStatusCode.Forbidden);
            Assert.Equal(before, await RowsAsync());
        }
        else
        {
            Assert.True((int)response.StatusCode < 400, $"{role} {method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static string Body(string path, string pool) => path switch
    {
        "/api/work-pools" => $$"""{"name":"{{Unique("p")}}","type":"process"}""",
        "/api/work-pools/{pool}/queues" => $$"""{"name":"{{Unique("q")}}"}""",
        "/api/work-pools/{pool}/poll" => """{"workerName":"w"}""",
        "/api/deployments" => $$"""{"flowName":"{{Unique("f")}}","name":"d","entrypoint":"x.sh","workPoolName":"{{pool}}"}""",
        "/api/keys" => """{"name":"k","role":"viewer"}""",
        "/api/users" => $$"""{"userName":"{{Unique("u")}}","role":"viewer"}""",
        _ => """{"description":"changed"}""",
    };
}
