using System.Net;
using Console.Contracts;
using Console.Tests.Infrastructure;

namespace Console.Tests.Api;

public abstract class WorkQueueApiTests(ApiFactory factory) : ApiTestBase(factory)
{
    [Fact]
    public async Task The_default_queue_cannot_be_deleted()
    {
        var pool = await CreatePoolAsync();
        await AssertProblemAsync(await Client.DeleteAsync($"/api/work-pools/{pool.Name}/queues/default"), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task New_queues_go_last_and_a_used_priority_is_shared_with_its_weight()
    {
        var pool = await CreatePoolAsync();
        var high = await (await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/queues", new CreateWorkQueueRequest { Name = "high" })).ReadAsync<WorkQueueDto>();
        Assert.Equal((2, 1), (high.Priority, high.Weight));

        var urgent = await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/queues", new CreateWorkQueueRequest { Name = "urgent", Priority = 1, ConcurrencyLimit = 3, Weight = 4 });
        Assert.Equal(HttpStatusCode.Created, urgent.StatusCode);

        // Queues of one priority share claims by weight; the list orders them by name.
        var queues = await GetAsync<List<WorkQueueDto>>($"/api/work-pools/{pool.Name}/queues");
        Assert.Equal(["default", "urgent", "high"], queues.Select(q => q.Name));
        Assert.Equal([1, 1, 2], queues.Select(q => q.Priority));
        Assert.Equal([1, 4, 1], queues.Select(q => q.Weight));
        Assert.Equal(3, queues[1].ConcurrencyLimit);

        var moved = await (await Client.PatchJsonAsync($"/api/work-pools/{pool.Name}/queues/high", new { priority = 1, weight = 1000 })).ReadAsync<WorkQueueDto>();
        Assert.Equal((1, 1000), (moved.Priority, moved.Weight));
        queues = await GetAsync<List<WorkQueueDto>>($"/api/work-pools/{pool.Name}/queues");
        Assert.All(queues, q => Assert.Equal(1, q.Priority));
        Assert.Equal(1000, (await GetAsync<WorkQueueDto>($"/api/work-pools/{pool.Name}/queues/high")).Weight);
    }

    [Fact]
    public async Task A_weight_outside_1_to_1000_is_400_and_changes_nothing()
    {
        var pool = await CreatePoolAsync();
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/queues", new CreateWorkQueueRequest { Name = "light", Weight = 0 }), HttpStatusCode.BadRequest, "weight");
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/queues", new CreateWorkQueueRequest { Name = "heavy", Weight = 1001 }), HttpStatusCode.BadRequest, "weight");
        await AssertProblemAsync(await Client.PatchJsonAsync($"/api/work-pools/{pool.Name}/queues/default", new { weight = -5, priority = 3 }), HttpStatusCode.BadRequest, "weight");

        var queues = await GetAsync<List<WorkQueueDto>>($"/api/work-pools/{pool.Name}/queues");
        var only = Assert.Single(queues);
        Assert.Equal(("default", 1, 1), (only.Name, only.Priority, only.Weight));
    }

    [Fact]
    public async Task Duplicate_queue_is_409_bad_priority_is_400()
    {
        var pool = await CreatePoolAsync();
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/queues", new CreateWorkQueueRequest { Name = "default" }), HttpStatusCode.Conflict);
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/queues", new CreateWorkQueueRequest { Name = "q2", Priority = 0 }), HttpStatusCode.BadRequest, "priority");
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/queues", new CreateWorkQueueRequest { Name = "Q 2" }), HttpStatusCode.BadRequest, "name");
        await AssertProblemAsync(await Client.GetAsync($"/api/work-pools/{pool.Name}/queues/nope"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Pause_and_resume_a_queue()
    {
        var pool = await CreatePoolAsync();
        var paused = await (await Client.PostAsync($"/api/work-pools/{pool.Name}/queues/default/pause", null)).ReadAsync<WorkQueueDto>();
        Assert.Equal((true, QueueStatus.Paused), (paused.IsPaused, paused.Status));
        var resumed = await (await Client.PostAsync($"/api/work-pools/{pool.Name}/queues/default/resume", null)).ReadAsync<WorkQueueDto>();
        Assert.Equal(QueueStatus.NotReady, resumed.Status);
    }

    [Fact]
    public async Task A_queue_can_be_deleted_when_nothing_uses_it()
    {
        var pool = await CreatePoolAsync();
        await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/queues", new CreateWorkQueueRequest { Name = "spare" });
        await CreateDeploymentAsync(pool.Name, queue: "spare");
        await AssertProblemAsync(await Client.DeleteAsync($"/api/work-pools/{pool.Name}/queues/spare"), HttpStatusCode.Conflict);

        await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/queues", new CreateWorkQueueRequest { Name = "empty" });
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/api/work-pools/{pool.Name}/queues/empty")).StatusCode);
        var queues = await GetAsync<List<WorkQueueDto>>($"/api/work-pools/{pool.Name}/queues");
        Assert.DoesNotContain(queues, q => q.Name == "empty");
    }
}

public sealed class SqliteWorkQueueApiTests(ApiFactory factory) : WorkQueueApiTests(factory), IClassFixture<ApiFactory>;

public sealed class PostgresWorkQueueApiTests(PostgresApiFactory factory) : WorkQueueApiTests(factory), IClassFixture<PostgresApiFactory>;
