using System.Net;
using Console.Core.Contracts;
using Console.Tests.Infrastructure;

namespace Console.Tests.Api;

/// <summary>A new worker's first calls arriving together (what every worker start does: heartbeat and poll at once).</summary>
public sealed class WorkerApiTests(ApiFactory factory) : ApiTestBase(factory), IClassFixture<ApiFactory>
{
    [Fact]
    public async Task First_heartbeats_and_polls_of_a_new_worker_racing_each_other_all_succeed_and_make_one_worker()
    {
        var pool = (await CreatePoolAsync()).Name;
        for (var round = 0; round < 5; round++)
        {
            var worker = Unique("racer");
            var calls = Enumerable.Range(0, 16).Select(i => i % 2 == 0
                ? Client.PostJsonAsync($"/api/work-pools/{pool}/workers/heartbeat", new HeartbeatRequest { Name = worker, HeartbeatIntervalSeconds = 10 })
                : Client.PostJsonAsync($"/api/work-pools/{pool}/poll", new PollRequest { WorkerName = worker }));
            var answers = await Task.WhenAll(calls);

            foreach (var answer in answers)
            {
                Assert.True(answer.IsSuccessStatusCode, $"{answer.RequestMessage?.RequestUri}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
            }

            var workers = await GetAsync<List<WorkerDto>>($"/api/work-pools/{pool}/workers");
            Assert.Single(workers, w => w.Name == worker);
        }
    }
}
