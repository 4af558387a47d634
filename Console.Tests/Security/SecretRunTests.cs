using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Console.Contracts.Common;
using Console.Contracts.FlowRuns;
using Console.Contracts.Security;
using Console.Core.Feed;
using Console.Core.Persistence;
using Console.Testing;
using Console.Tests.Faults;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Security;

/// <summary>
/// A secret end to end, as users run it: a real worker process (a worker key of the pool in its
/// environment) runs a process flow that gets the value as an env variable from
/// <c>{{ secret.NAME }}</c> and prints it whole and in two pieces. The flow received it (the hash it
/// prints matches), and nothing else ever held it: no REST answer, hub event, change-feed event,
/// audit row or stored log line.
/// </summary>
public sealed class SecretRunTests(SecureConsoleServer server) : IClassFixture<SecureConsoleServer>
{
    [Fact]
    public async Task The_flow_gets_the_value_and_no_answer_hub_event_feed_event_audit_row_or_log_line_holds_it()
    {
        var value = "pw-" + Guid.NewGuid().ToString("N");
        var secret = "db-" + Guid.NewGuid().ToString("N")[..10];
        var pool = "sec-" + Guid.NewGuid().ToString("N")[..10];
        using var admin = await ClientAsync(Roles.Admin);
        await admin.PostAsJsonAsync("/api/secrets", new CreateSecretRequest { Name = secret, Value = value }, ConsoleJson.Options);
        await admin.CreatePoolAsync(pool, "process");

        var seen = new ConcurrentQueue<string>();
        using var feed = server.Services.GetRequiredService<IChangeFeed>().Subscribe(e => seen.Enqueue("feed " + JsonSerializer.Serialize(e, e.GetType(), ConsoleJson.Options)));
        await using var hub = new HubConnectionBuilder()
            .WithUrl(server.BaseUrl + "/hubs/live", o => o.AccessTokenProvider = () => Task.FromResult<string?>(admin.DefaultRequestHeaders.Authorization!.Parameter))
            .Build();
        foreach (var name in new[] { "PoolChanged", "QueueChanged", "WorkerChanged", "DeploymentChanged", "FlowRunChanged" })
        {
            hub.On<JsonElement>(name, e => seen.Enqueue($"hub {name} {e.GetRawText()}"));
        }

        hub.On<Guid, JsonElement>("LogLines", (_, lines) => seen.Enqueue("hub LogLines " + lines.GetRawText()));
        await hub.StartAsync();
        await hub.InvokeAsync("JoinPool", pool);

        const string Flow = "sh -c 'printf \"%s\\n\" \"$PASSWORD\"; printf \"%s\" \"$PASSWORD\" | sha256sum; printf \"%s\\n\" \"$PASSWORD\" | cut -c1-12; printf \"%s\\n\" \"$PASSWORD\" | cut -c13-; echo finished'";
        var run = await admin.RunAsync(pool, Flow, new JsonObject { ["env"] = new JsonObject { ["PASSWORD"] = $"{{{{ secret.{secret} }}}}" } }, docker: false);
        await hub.InvokeAsync("WatchFlowRun", run.Id);
        var workerKey = await server.KeyAsync(Roles.Worker, pool);
        var worker = WorkerProcess.StartCli(BuiltApps.DotnetHost, BuiltApps.CliDll, server.BaseUrl, pool, "w-" + Guid.NewGuid().ToString("N")[..8],
            new Dictionary<string, string?> { ["CONSOLE_API_KEY"] = workerKey, ["Worker:ApiKey"] = workerKey, ["Worker:PollWaitSeconds"] = "5" });
        try
        {
            var ended = await admin.WaitForStateAsync(run.Id, s => s.IsTerminal(), "the run to end", timeoutSeconds: 90);
            Assert.True(ended.State == FlowRunState.Completed, $"the run ended {ended.State}: {ended.StateMessage}");
            await Wait.UntilAsync(async () => (await admin.OutputAsync(run.Id)).Contains("finished"), "the flow's last line");
        }
        finally
        {
            await worker.KillAsync();
        }

        var output = await admin.OutputAsync(run.Id);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
        Assert.Contains($"{hash}  -", output);
        var printed = output.Where(l => l != "finished" && !l.Contains(hash, StringComparison.Ordinal)).ToList();
        Assert.Equal(["****", "****", "****"], printed);

        // Every place the value could have leaked to, searched.
        var texts = new List<(string Where, string Text)>();
        foreach (var path in new[]
        {
            $"/api/flow-runs/{run.Id}", $"/api/flow-runs?pool={pool}", $"/api/flow-runs/{run.Id}/history", $"/api/flow-runs/{run.Id}/logs",
            $"/api/deployments?pool={pool}", $"/api/work-pools/{pool}", $"/api/work-pools/{pool}/workers", "/api/secrets", "/api/audit?limit=1000",
        })
        {
            texts.Add((path, await admin.GetStringAsync(path)));
        }

        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            texts.AddRange((await db.LogLines.AsNoTracking().Where(l => l.FlowRunId == run.Id).Select(l => l.Message).ToListAsync()).Select(m => ("stored log line", m)));
            texts.AddRange((await db.AuditEntries.AsNoTracking().ToListAsync()).Select(a => ("audit row", JsonSerializer.Serialize(a))));
            texts.AddRange((await db.FlowRunStateChanges.AsNoTracking().Where(c => c.FlowRunId == run.Id).Select(c => c.Message ?? string.Empty).ToListAsync())
                .Select(m => ("state change", m)));
        }

        texts.AddRange(seen.Select(s => ("event", s)));
        Assert.Contains(texts, t => t.Text.StartsWith("hub LogLines", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Text.StartsWith("feed", StringComparison.Ordinal));
        foreach (var (where, text) in texts)
        {
            Assert.False(text.Contains(value, StringComparison.Ordinal), $"{where} holds the secret's value: {text}");
        }
    }

    private async Task<HttpClient> ClientAsync(string role, params string[] pools)
    {
        var client = server.CreateHttpClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await server.KeyAsync(role, pools));
        return client;
    }
}
