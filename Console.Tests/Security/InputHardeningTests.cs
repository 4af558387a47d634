using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Console.Contracts.Security;
using Console.Tests.Infrastructure;
using Console.Web.Hosting;

namespace Console.Tests.Security;

/// <summary>
/// R5 on every operation of /openapi/v1.json, as an admin (so authorization is not what refuses):
/// malformed JSON, wrongly typed fields, oversized bodies and bad path ids or names each get a 4xx
/// problem, never a 500, and the database (every table, the audit log included) is unchanged.
/// </summary>
public sealed class InputHardeningTests(SecureApiFactory factory) : SecurityTestBase(factory), IClassFixture<SecureApiFactory>
{
    [Fact]
    public async Task Every_operation_answers_bad_input_with_a_4xx_problem_and_writes_nothing()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        var run = await RunAsync(deployment.Id);
        var key = await (await Client.PostJsonAsync("/api/keys", new CreateApiKeyRequest { Name = "target", Role = Roles.Viewer })).ReadAsync<CreatedApiKeyDto>();
        var real = new Dictionary<string, string>
        {
            ["pool"] = pool.Name, ["queue"] = "default", ["worker"] = "no-such-worker", ["flow"] = deployment.FlowName,
            ["deployment"] = deployment.Name, ["userName"] = "no-such-user",
        };

        var document = (await (await Client.GetAsync("/openapi/v1.json")).Content.ReadFromJsonAsync<JsonObject>())!;
        var failures = new List<string>();
        var operations = 0;
        foreach (var (template, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                operations++;
                var idValue = template.StartsWith("/api/deployments", StringComparison.Ordinal) ? deployment.Id.ToString()
                    : template.StartsWith("/api/keys", StringComparison.Ordinal) ? key.Id.ToString() : run.Id.ToString();
                var body = operation!["requestBody"]?["content"]?["application/json"]?["schema"] is { } schema ? Resolve(document, schema) : null;
                var cases = new List<(string Name, string Path, HttpContent? Content)>();
                foreach (var bad in BadPaths(template, real, idValue))
                {
                    cases.Add(($"bad path {bad}", bad, body is null ? null : Json(Sample(document, body))));
                }

                if (body is not null)
                {
                    var path = Fill(template, p => p == "id" ? idValue : real.GetValueOrDefault(p, "x"));
                    cases.Add(("malformed JSON", path, Json("{\"name\": ")));
                    cases.Add(("not JSON at all", path, Json("<xml/>")));
                    cases.Add(("wrong JSON kind", path, Json(body["type"]?.GetValue<string>() == "array" ? "{}" : "[1,2,3]")));
                    foreach (var (field, wrong) in WrongTypes(document, body))
                    {
                        cases.Add(($"wrong type of {field}", path, Json(wrong)));
                    }

                    var limit = path.EndsWith("/logs", StringComparison.Ordinal) ? RequestLimits.LogBodyLimit : RequestLimits.ApiBodyLimit;
                    cases.Add(("oversized body", path, Json("{\"description\":\"" + new string('a', (int)limit) + "\"}")));
                }

                foreach (var (name, path, content) in cases)
                {
                    var before = await RowsAsync();
                    using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path) { Content = content };
                    var response = await Client.SendAsync(request);
                    var status = (int)response.StatusCode;
                    var type = response.Content.Headers.ContentType?.MediaType;
                    if (status is < 400 or >= 500 || type != "application/problem+json")
                    {
                        failures.Add($"{method.ToUpperInvariant()} {template} ({name}): {status} {type} {Truncate(await response.Content.ReadAsStringAsync())}");
                    }

                    if (await RowsAsync() != before)
                    {
                        failures.Add($"{method.ToUpperInvariant()} {template} ({name}): the database changed");
                    }
                }
            }
        }

        Assert.True(operations > 30, $"only {operations} operations in the OpenAPI document");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private static IEnumerable<string> BadPaths(string template, Dictionary<string, string> real, string id)
    {
        var parameters = System.Text.RegularExpressions.Regex.Matches(template, @"\{([^}]+)\}").Select(m => m.Groups[1].Value).ToList();
        foreach (var parameter in parameters)
        {
            string[] bad = parameter == "id"
                ? ["not-a-guid", Guid.NewGuid().ToString(), "00000000-0000-0000-0000-000000000000"]
                : ["Bad%20Name!", "no-such-thing", new string('x', 300), "%2e%2e%2f%2e%2e"];
            foreach (var value in bad)
            {
                yield return Fill(template, p => p == parameter ? value : p == "id" ? id : real.GetValueOrDefault(p, "x"));
            }
        }
    }

    private static string Fill(string template, Func<string, string> value) =>
        System.Text.RegularExpressions.Regex.Replace(template, @"\{([^}]+)\}", m => value(m.Groups[1].Value));

    private static JsonObject Resolve(JsonObject document, JsonNode schema)
    {
        var node = schema.AsObject();
        while (node["$ref"] is { } reference)
        {
            node = document["components"]!["schemas"]![reference.GetValue<string>().Split('/')[^1]]!.AsObject();
        }

        return node;
    }

    /// <summary>A body of the right shape (bad paths must fail on the path, not the body).</summary>
    private static string Sample(JsonObject document, JsonObject schema) =>
        schema["type"]?.GetValue<string>() == "array" ? "[]" : "{}";

    /// <summary>One body per declared field, that field given a value of the wrong JSON type.</summary>
    private static IEnumerable<(string Field, string Body)> WrongTypes(JsonObject document, JsonObject schema)
    {
        var isArray = schema["type"]?.GetValue<string>() == "array";
        var item = isArray && schema["items"] is { } items ? Resolve(document, items) : schema;
        foreach (var (field, property) in item["properties"]?.AsObject() ?? [])
        {
            var declared = Resolve(document, property!);
            var types = declared["type"] switch
            {
                JsonArray many => many.Select(t => t!.GetValue<string>()).ToList(),
                JsonValue one => [one.GetValue<string>()],
                _ => [],
            };
            var wrong = types.Contains("string") ? "{\"nested\":true}"
                : types.Contains("integer") || types.Contains("number") ? "\"not a number\""
                : types.Contains("boolean") ? "\"yes\""
                : types.Contains("array") ? "\"not a list\""
                : types.Contains("object") ? "12345"
                : "[[1]]"; // no declared type (an optional field): a nested list fits none of them
            var body = $"{{\"{field}\":{wrong}}}";
            yield return (field, isArray ? $"[{body}]" : body);
        }
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Truncate(string text) => text.Length > 300 ? text[..300] : text;
}
