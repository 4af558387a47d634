using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.FlowRuns;
using Console.Contracts.Security;
using Console.Contracts.WorkPools;
using Console.Core.Persistence;
using Console.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Security;

/// <summary>
/// Secrets over REST (docs/api.md, docs/security.md): admins only, never a value in an answer or
/// the audit log, encrypted at rest, references checked on save, values only in the claim answer
/// of a worker allowed on the run's pool, and masked in what the server stores for the run.
/// </summary>
public sealed class SecretApiTests(SecureApiFactory factory) : SecurityTestBase(factory), IClassFixture<SecureApiFactory>
{
    private static string Value() => "v4lue-" + Guid.NewGuid().ToString("N");

    private async Task<string> CreateSecretAsync(string? value = null, string? name = null)
    {
        name ??= Unique("sec");
        var response = await Client.PostJsonAsync("/api/secrets", new CreateSecretRequest { Name = name, Value = value ?? Value(), Description = "for tests" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return name;
    }

    [Fact]
    public async Task Admins_create_list_replace_and_delete_secrets_and_no_answer_or_audit_row_holds_a_value()
    {
        var first = Value();
        var name = Unique("db-password");
        var created = await Client.PostJsonAsync("/api/secrets", new CreateSecretRequest { Name = name, Value = first, Description = "the database" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/secrets/{name}", created.Headers.Location?.OriginalString);
        var createdText = await created.Content.ReadAsStringAsync();
        Assert.DoesNotContain(first, createdText, StringComparison.Ordinal);

        await AssertProblemAsync(await Client.PostJsonAsync("/api/secrets", new CreateSecretRequest { Name = name, Value = "other" }), HttpStatusCode.Conflict);

        var second = Value();
        // Without a description: the one it has stays.
        var replaced = await Client.PutAsJsonAsync($"/api/secrets/{name}", new { value = second }, ConsoleJson.Options);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var dto = await replaced.ReadAsync<SecretDto>();
        Assert.Equal("the database", dto.Description);
        Assert.True(dto.UpdatedAt >= dto.CreatedAt);

        var listText = await Client.GetStringAsync("/api/secrets");
        Assert.Contains(name, listText, StringComparison.Ordinal);
        var single = await Client.GetStringAsync($"/api/secrets/{name}");
        var audit = await Client.GetStringAsync($"/api/audit?resource=secret/{name}&limit=50");
        foreach (var text in new[] { listText, single, audit, await replaced.Content.ReadAsStringAsync() })
        {
            Assert.DoesNotContain(first, text, StringComparison.Ordinal);
            Assert.DoesNotContain(second, text, StringComparison.Ordinal);
        }

        var actions = (await Client.GetFromJsonAsync<List<AuditEntryDto>>($"/api/audit?resource=secret/{name}&limit=50", ConsoleJson.Options))!
            .Select(a => a.Action).ToList();
        Assert.Contains("create", actions);
        Assert.Contains("replace", actions);

        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/api/secrets/{name}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/api/secrets/{name}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.DeleteAsync($"/api/secrets/{name}")).StatusCode);
    }

    [Fact]
    public async Task Values_are_encrypted_at_rest_neither_the_row_nor_the_database_files_hold_them()
    {
        var value = Value();
        var name = await CreateSecretAsync(value);
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            var row = await db.Secrets.AsNoTracking().SingleAsync(s => s.Name == name);
            Assert.DoesNotContain(value, row.ProtectedValue, StringComparison.Ordinal);
            // Checkpoint, so the bytes searched below are the database file and what is left of its log.
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);");
        }

        var needle = Encoding.UTF8.GetBytes(value);
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(Factory.DatabasePath)!, "console.db*"))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            Assert.True(copy.ToArray().AsSpan().IndexOf(needle) < 0, $"{Path.GetFileName(file)} holds the secret's value in clear");
        }
    }

    [Theory]
    [InlineData("Bad Name", "x", "name")]
    [InlineData("-dash", "x", "name")]
    [InlineData("ok-name", "", "value")]
    public async Task Bad_input_is_a_400_naming_the_field(string name, string value, string field)
    {
        await AssertProblemAsync(await Client.PostJsonAsync("/api/secrets", new CreateSecretRequest { Name = name, Value = value }), HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task An_oversized_value_is_refused_and_nothing_is_written()
    {
        var name = Unique("big");
        var tooBig = new string('x', global::Console.Core.Secrets.SecretService.MaxValueLength + 1);
        await AssertProblemAsync(await Client.PostJsonAsync("/api/secrets", new CreateSecretRequest { Name = name, Value = tooBig }), HttpStatusCode.BadRequest, "value");
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/api/secrets/{name}")).StatusCode);
    }

    [Theory]
    [InlineData(Roles.Operator)]
    [InlineData(Roles.Viewer)]
    public async Task Operators_and_viewers_may_neither_read_nor_change_secrets(string role)
    {
        var name = await CreateSecretAsync();
        using var client = Factory.ClientWith(await Factory.KeyAsync(role));
        var before = await RowsAsync();
        foreach (var response in new[]
        {
            await client.GetAsync("/api/secrets"),
            await client.GetAsync($"/api/secrets/{name}"),
            await client.PostJsonAsync("/api/secrets", new CreateSecretRequest { Name = Unique("x"), Value = "v" }),
            await client.PutAsJsonAsync($"/api/secrets/{name}", new UpdateSecretRequest { Value = "v" }, ConsoleJson.Options),
            await client.DeleteAsync($"/api/secrets/{name}"),
        })
        {
            await AssertProblemAsync(response, HttpStatusCode.Forbidden);
        }

        Assert.Equal(before, await RowsAsync());
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"/api/secrets/{name}")).StatusCode);
    }

    [Fact]
    public async Task A_reference_to_a_missing_secret_is_a_422_naming_it_on_deployments_runs_and_pool_templates()
    {
        var pool = await CreatePoolAsync(type: "process");
        var missing = Unique("missing");
        var before = await RowsAsync();
        var response = await Client.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = Unique("flow"), Name = "dep", Entrypoint = "flow.sh", Command = "echo hi", WorkPoolName = pool.Name,
            JobVariables = new JsonObject { ["env"] = new JsonObject { ["PASSWORD"] = $"{{{{ secret.{missing} }}}}" } },
        });
        var problem = await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, $"jobVariables.secret.{missing}");
        Assert.Contains(missing, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(before, await RowsAsync());

        var docker = await CreatePoolAsync(type: "docker");
        await AssertProblemAsync(await Client.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = Unique("flow"), Name = "dep", Entrypoint = "flow.sh", WorkPoolName = docker.Name,
            JobVariables = new JsonObject { [SecretReferences.RegistryCredentialsVariable] = missing },
        }), HttpStatusCode.UnprocessableEntity, $"jobVariables.secret.{missing}");

        var deployment = await CreateDeploymentAsync(pool.Name);
        await AssertProblemAsync(await Client.PatchAsJsonAsync($"/api/deployments/{deployment.Id}", new UpdateDeploymentRequest
        {
            JobVariables = new JsonObject { ["env"] = new JsonObject { ["X"] = $"{{{{secret.{missing}}}}}" } },
        }, ConsoleJson.Options), HttpStatusCode.UnprocessableEntity, $"jobVariables.secret.{missing}");
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/deployments/{deployment.Id}/runs", new CreateFlowRunRequest
        {
            JobVariables = new JsonObject { ["env"] = new JsonObject { ["X"] = $"{{{{ secret.{missing} }}}}" } },
        }), HttpStatusCode.UnprocessableEntity, $"jobVariables.secret.{missing}");

        var template = WorkPoolTypes.DefaultTemplate("process");
        ((JsonObject)template["jobConfiguration"]!)["env"] = new JsonObject { ["TOKEN"] = $"{{{{ secret.{missing} }}}}" };
        await AssertProblemAsync(await Client.PatchAsJsonAsync($"/api/work-pools/{pool.Name}", new UpdateWorkPoolRequest { BaseJobTemplate = template }, ConsoleJson.Options),
            HttpStatusCode.UnprocessableEntity, $"baseJobTemplate.secret.{missing}");

        // Once it exists, the same saves go through.
        await CreateSecretAsync(name: missing);
        Assert.Equal(HttpStatusCode.OK, (await Client.PatchAsJsonAsync($"/api/work-pools/{pool.Name}", new UpdateWorkPoolRequest { BaseJobTemplate = template }, ConsoleJson.Options)).StatusCode);
    }

    [Fact]
    public async Task A_secret_in_use_cannot_be_deleted_and_the_refusal_lists_its_users()
    {
        var name = await CreateSecretAsync();
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name, jobVariables: new JsonObject { ["env"] = new JsonObject { ["A"] = $"{{{{ secret.{name} }}}}" } });

        var usage = await Client.GetFromJsonAsync<JsonArray>($"/api/secrets/{name}/usage", ConsoleJson.Options);
        Assert.Contains(usage!, u => u!["kind"]!.GetValue<string>() == "deployment" && u["name"]!.GetValue<string>() == $"{deployment.FlowName}/{deployment.Name}");

        var problem = await AssertProblemAsync(await Client.DeleteAsync($"/api/secrets/{name}"), HttpStatusCode.Conflict);
        Assert.Contains($"{deployment.FlowName}/{deployment.Name}", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/api/deployments/{deployment.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/api/secrets/{name}")).StatusCode);
    }

    [Fact]
    public async Task Only_the_claim_answer_of_a_worker_of_the_runs_pool_carries_the_value()
    {
        var value = Value();
        var name = await CreateSecretAsync(value);
        var pool = await CreatePoolAsync(type: "process");
        var other = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name, jobVariables: new JsonObject { ["env"] = new JsonObject { ["PASSWORD"] = $"{{{{ secret.{name} }}}}" } });

        // An operator's key may poll, but gets no values: the run would crash naming the secret.
        using var operatorClient = Factory.ClientWith(await Factory.KeyAsync(Roles.Operator));
        var operatorRun = await RunAsync(deployment.Id);
        var operatorAnswer = await (await operatorClient.PostJsonAsync($"/api/work-pools/{pool.Name}/poll", new PollRequest { WorkerName = "op", Limit = 10 })).ReadAsync<List<FlowRunDto>>();
        var operatorClaim = Assert.Single(operatorAnswer);
        Assert.Equal(operatorRun.Id, operatorClaim.Id);
        Assert.Null(operatorClaim.Secrets);

        var run = await RunAsync(deployment.Id);

        // Another pool's worker key reaches neither the pool's poll nor the run.
        using var stranger = Factory.ClientWith(await Factory.KeyAsync(Roles.Worker, other.Name));
        await AssertProblemAsync(await stranger.PostJsonAsync($"/api/work-pools/{pool.Name}/poll", new PollRequest { WorkerName = "w", Limit = 10 }), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await stranger.GetAsync($"/api/flow-runs/{run.Id}"), HttpStatusCode.Forbidden);
        var strangerOwn = await stranger.PostJsonAsync($"/api/work-pools/{other.Name}/poll", new PollRequest { WorkerName = "w", Limit = 10 });
        Assert.DoesNotContain(value, await strangerOwn.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var worker = Factory.ClientWith(await Factory.KeyAsync(Roles.Worker, pool.Name));
        var claim = await worker.PostJsonAsync($"/api/work-pools/{pool.Name}/poll", new PollRequest { WorkerName = "w1", Limit = 10 });
        var claimed = await claim.ReadAsync<List<FlowRunDto>>();
        var mine = Assert.Single(claimed, r => r.Id == run.Id);
        Assert.Equal(value, mine.Secrets![name]);

        // Every other answer about the run and its deployment holds the reference, never the value.
        foreach (var path in new[]
        {
            $"/api/flow-runs/{run.Id}", $"/api/flow-runs?pool={pool.Name}", $"/api/deployments/{deployment.Id}", "/api/deployments",
            $"/api/work-pools/{pool.Name}", $"/api/flow-runs/{run.Id}/history", "/api/audit?limit=500", $"/api/flow-runs/{operatorRun.Id}",
        })
        {
            var text = await Client.GetStringAsync(path);
            Assert.DoesNotContain(value, text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(value, await worker.GetStringAsync($"/api/flow-runs/{run.Id}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Values_are_masked_in_stored_log_lines_even_split_across_lines_and_posts_and_in_state_messages()
    {
        var value = Value();
        var name = await CreateSecretAsync(value);
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name, jobVariables: new JsonObject { ["env"] = new JsonObject { ["PASSWORD"] = $"{{{{ secret.{name} }}}}" } });
        var run = await RunAsync(deployment.Id);
        using var worker = Factory.ClientWith(await Factory.KeyAsync(Roles.Worker, pool.Name));
        var claimed = await (await worker.PostJsonAsync($"/api/work-pools/{pool.Name}/poll", new PollRequest { WorkerName = "w1", Limit = 10 })).ReadAsync<List<FlowRunDto>>();
        Assert.Contains(claimed, r => r.Id == run.Id);

        var half = value.Length / 2;
        Assert.Equal(HttpStatusCode.NoContent, (await worker.PostJsonAsync($"/api/flow-runs/{run.Id}/logs", new[]
        {
            new NewLogLine { Message = $"whole: {value} end" },
            new NewLogLine { Message = $"first {value[..half]}" },
            new NewLogLine { Message = $"{value[half..]} second" },
            new NewLogLine { Message = $"across posts {value[..10]}" },
        })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await worker.PostJsonAsync($"/api/flow-runs/{run.Id}/logs", new[]
        {
            new NewLogLine { Message = $"{value[10..]} done" },
        })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await worker.PostJsonAsync($"/api/flow-runs/{run.Id}/state", new SetStateRequest
        {
            State = FlowRunState.Running, Message = $"connected with {value}",
        })).StatusCode);

        var lines = (await Client.GetFromJsonAsync<List<LogLineDto>>($"/api/flow-runs/{run.Id}/logs", ConsoleJson.Options))!.Select(l => l.Message).ToList();
        Assert.Equal(["whole: **** end", "first ****", "**** second", "across posts ****", "**** done"], lines);
        var stored = await Client.GetFromJsonAsync<FlowRunDto>($"/api/flow-runs/{run.Id}", ConsoleJson.Options);
        Assert.Equal("connected with ****", stored!.StateMessage);
        Assert.DoesNotContain(value, await Client.GetStringAsync($"/api/flow-runs/{run.Id}/history"), StringComparison.Ordinal);
    }
}
