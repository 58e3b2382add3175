using System.Data.Common;
using System.Globalization;
using Introserv.BuildingBlocks.Data;
using Introserv.Orders.Data;
using Introserv.Orders.Domain;
using Introserv.Orders.Features.Common;
using Introserv.Orders.Features.PlaceOrder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Introserv.Orders.Tests;

// What happens to a key whose request died, and to a unit whose commit outcome is unknown.
public sealed class IdempotencyTests(OrdersServiceFactory factory) : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    // Keys of place-order requests with body, taken the given time ago and left without an answer.
    private Task<int> KeysWithoutAnswersAsync(
        Guid accountId, PlaceOrderRequest body, params (string Key, TimeSpan Age)[] keys)
    {
        var hash = PlaceOrderEndpoint.RequestHash(body, OrderForm.Check(OrderForm.Vps, body.Fields).Values);
        var now = factory.Clock.GetUtcNow();
        return factory.QueryAsync(async db =>
        {
            db.IdempotencyRecords.AddRange(keys.Select(k => new IdempotencyRecord
            {
                AccountId = accountId,
                Key = k.Key,
                Operation = "place_order",
                RequestHash = hash,
                CreatedAt = now - k.Age,
            }));
            return await db.SaveChangesAsync();
        });
    }

    [Fact]
    public async Task A_key_left_without_an_answer_is_in_progress_until_its_lease_ends_then_the_retry_runs_it_once()
    {
        var accountId = await factory.PayingCustomerAsync(100m);
        using var http = factory.Customer(accountId);
        var body = new PlaceOrderRequest("vps-s", 1, null, OrderForms.For("vps-s"));
        // Two requests whose process died after taking their key: one just now, one longer ago than the lease.
        var (fresh, stale) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        await KeysWithoutAnswersAsync(
            accountId, body, (fresh, TimeSpan.Zero), (stale, Idempotency.Lease + TimeSpan.FromSeconds(1)));

        var (waiting, waitingBody) = await OrdersServiceFactory.OrderAsync(http, body, fresh);
        var (taken, takenBody) = await OrdersServiceFactory.OrderAsync(http, body, stale);
        var (again, againBody) = await OrdersServiceFactory.OrderAsync(http, body, stale);

        Assert.Equal((HttpStatusCode.Conflict, "idempotency_request_in_progress"),
            (waiting, waitingBody.GetProperty("code").GetString()));
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (taken, again));
        Assert.Equal(takenBody.GetProperty("id").GetGuid(), againBody.GetProperty("id").GetGuid());
        Assert.Equal(100m - 9.90m, await OrdersServiceFactory.BalanceAsync(http));
    }

    [Fact]
    public async Task Twenty_retries_at_once_of_a_key_past_its_lease_take_it_over_once_and_charge_once()
    {
        var accountId = await factory.PayingCustomerAsync(100m);
        using var http = factory.Customer(accountId);
        var body = new PlaceOrderRequest("vps-s", 1, null, OrderForms.For("vps-s"));
        var stale = Guid.NewGuid().ToString();
        await KeysWithoutAnswersAsync(accountId, body, (stale, Idempotency.Lease + TimeSpan.FromSeconds(1)));

        var answers = await Task.WhenAll(
            Enumerable.Range(0, 20).Select(_ => OrdersServiceFactory.OrderAsync(http, body, stale)));
        var (after, afterBody) = await OrdersServiceFactory.OrderAsync(http, body, stale);

        // One retry takes the key over; the others are told it is in progress, or answered its order once it is done.
        Assert.All(answers, a => Assert.True(a.Status == HttpStatusCode.Created
            || a.Body.GetProperty("code").GetString() == "idempotency_request_in_progress",
            $"{(int)a.Status}: {a.Body}"));
        var created = answers.Where(a => a.Status == HttpStatusCode.Created)
            .Select(a => a.Body.GetProperty("id").GetGuid()).Distinct().ToList();
        Assert.True(created.Count <= 1, string.Join(", ", created));
        Assert.Equal(HttpStatusCode.Created, after);
        Assert.All(created, id => Assert.Equal(id, afterBody.GetProperty("id").GetGuid()));
        Assert.Equal(1, await factory.QueryAsync(db => db.Orders.CountAsync(o => o.AccountId == accountId)));
        Assert.Equal(100m - 9.90m, await OrdersServiceFactory.BalanceAsync(http));
    }

    [Fact]
    public async Task An_answer_in_progress_says_when_to_retry_soon_for_a_running_request_at_the_lease_for_a_left_one()
    {
        var accountId = await factory.PayingCustomerAsync(100m);
        using var http = factory.Customer(accountId);
        var body = new PlaceOrderRequest("vps-s", 1, null, OrderForms.For("vps-s"));
        // Keys taken without an answer: just now, a few seconds ago (still running), and longer ago than a request
        // runs (left behind: its process died, or the database went away before the key could be released).
        var ages = new[] { TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(22) };
        var keys = ages.Select(_ => Guid.NewGuid().ToString()).ToArray();
        await KeysWithoutAnswersAsync(accountId, body, [.. keys.Zip(ages)]);

        var answers = new List<(HttpStatusCode, string?, string?, int)>();
        foreach (var key in keys)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
            {
                Content = JsonContent.Create(body),
            };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await http.SendAsync(request);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            answers.Add((response.StatusCode, problem.GetProperty("code").GetString(),
                response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(CultureInfo.InvariantCulture),
                problem.GetProperty("retryAfterSeconds").GetInt32()));
        }

        Assert.Equal(
            [
                (HttpStatusCode.Conflict, "idempotency_request_in_progress", "1", 1),
                (HttpStatusCode.Conflict, "idempotency_request_in_progress", "1", 1),
                // Older than a request runs: every 5 s until the lease (30 s) ends, when a retry runs the request (the
                // key may be released before: KeyReleases).
                (HttpStatusCode.Conflict, "idempotency_request_in_progress", "5", 5),
            ],
            answers);
        Assert.Equal(100m, await OrdersServiceFactory.BalanceAsync(http));
    }

    [Fact]
    public async Task A_key_kept_past_its_retention_is_a_new_request_and_a_live_one_is_not()
    {
        var accountId = await factory.PayingCustomerAsync(100m);
        using var http = factory.Customer(accountId);
        var key = Guid.NewGuid().ToString();
        var first = new PlaceOrderRequest("vps-s", 1, null, OrderForms.For("vps-s"));
        var other = new PlaceOrderRequest("vps-s", 1, true, OrderForms.For("vps-s"));
        var (placed, placedBody) = await OrdersServiceFactory.OrderAsync(http, first, key);

        // Within the retention another body with the key is refused and the first answer stays.
        factory.Clock.Advance(Idempotency.Retention - TimeSpan.FromMinutes(1));
        var (reused, reusedBody) = await OrdersServiceFactory.OrderAsync(http, other, key);
        // Past it the key names a new request: another order, charged once more.
        factory.Clock.Advance(TimeSpan.FromMinutes(2));
        var (renewed, renewedBody) = await OrdersServiceFactory.OrderAsync(http, other, key);
        var (replayed, replayedBody) = await OrdersServiceFactory.OrderAsync(http, other, key);

        Assert.Equal(HttpStatusCode.Created, placed);
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "idempotency_key_reused"),
            (reused, reusedBody.GetProperty("code").GetString()));
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (renewed, replayed));
        Assert.NotEqual(placedBody.GetProperty("id").GetGuid(), renewedBody.GetProperty("id").GetGuid());
        Assert.Equal(renewedBody.GetProperty("id").GetGuid(), replayedBody.GetProperty("id").GetGuid());
        Assert.True(renewedBody.GetProperty("autoRenew").GetBoolean());
        Assert.Equal(100m - (2 * 9.90m), await OrdersServiceFactory.BalanceAsync(http));
        var keys = await factory.QueryAsync(db => db.IdempotencyRecords.CountAsync(r => r.AccountId == accountId));
        Assert.Equal(1, keys);
    }

    [Fact]
    public async Task Twenty_requests_at_once_with_a_key_past_its_retention_place_one_order()
    {
        var accountId = await factory.PayingCustomerAsync(100m);
        using var http = factory.Customer(accountId);
        var key = Guid.NewGuid().ToString();
        var (placed, placedBody) = await OrdersServiceFactory.OrderAsync(
            http, new PlaceOrderRequest("vps-s", 1, null, OrderForms.For("vps-s")), key);
        factory.Clock.Advance(Idempotency.Retention + TimeSpan.FromMinutes(1));

        // Every request may take the expired key over; one does, the others wait for it or replay its answer.
        var again = new PlaceOrderRequest("vps-s", 1, true, OrderForms.For("vps-s"));
        var answers = await Task.WhenAll(
            Enumerable.Range(0, 20).Select(_ => OrdersServiceFactory.OrderAsync(http, again, key)));

        Assert.Equal(HttpStatusCode.Created, placed);
        Assert.All(answers, a => Assert.True(
            a.Status == HttpStatusCode.Created
                || (a.Status == HttpStatusCode.Conflict
                    && a.Body.GetProperty("code").GetString() == "idempotency_request_in_progress"),
            $"{(int)a.Status}: {a.Body}"));
        var created = answers.Where(a => a.Status == HttpStatusCode.Created)
            .Select(a => a.Body.GetProperty("id").GetGuid()).Distinct().ToList();
        var id = Assert.Single(created);
        Assert.NotEqual(placedBody.GetProperty("id").GetGuid(), id);
        Assert.Equal(100m - (2 * 9.90m), await OrdersServiceFactory.BalanceAsync(http));
        Assert.Equal(2, await factory.QueryAsync(db => db.Orders.CountAsync(o => o.AccountId == accountId)));
    }

    [Fact]
    public async Task A_unit_whose_commit_outcome_is_unknown_is_not_run_again_blindly()
    {
        var accountId = Guid.NewGuid();
        var lost = new LoseTheCommitsAnswer();
        await using var db = Context(lost);
        var runs = 0;

        Task<string> WorkAsync(CancellationToken ct)
        {
            runs++;
            db.IdempotencyRecords.Add(new IdempotencyRecord
            {
                AccountId = accountId,
                Key = Guid.NewGuid().ToString(),
                Operation = "t",
                RequestHash = "h",
                CreatedAt = DateTimeOffset.UtcNow
            });
            return Task.FromResult("done");
        }

        var unknown = await Assert.ThrowsAsync<CommitOutcomeUnknownException>(() =>
            db.InTransactionAsync(WorkAsync, CancellationToken.None));
        lost.Remaining = 1;
        var settled = await db.InTransactionAsync(WorkAsync, CancellationToken.None,
            committed: async ct =>
                (await db.IdempotencyRecords.CountAsync(r => r.AccountId == accountId, ct) == 2, "stored"));
        var rows = await factory.QueryAsync(q => q.IdempotencyRecords.CountAsync(r => r.AccountId == accountId));

        Assert.True(((NpgsqlException)unknown.InnerException!).IsTransient);
        // Both commits went through although each reported a failure: neither unit was run a second time.
        Assert.Equal(("stored", 2, 2), (settled, runs, rows));
    }

    [Fact]
    public async Task A_key_whose_insert_committed_but_whose_answer_was_lost_is_still_this_requests()
    {
        var accountId = Guid.NewGuid();
        var key = Guid.NewGuid().ToString();
        var lost = new LoseTheKeysInsertAnswer();
        await using var db = new OrdersDbContext(new DbContextOptionsBuilder<OrdersDbContext>()
            .UseNpgsql(factory.ConnectionString, o => o.EnableRetryOnFailure(3))
            .AddInterceptors(lost)
            .Options);
        var idempotency = new Idempotency(db, factory.Clock);

        // The insert commits, the connection breaks before its answer, the statement is run again: the key is this
        // request's to run, not "in progress" for the length of its lease.
        var begun = await idempotency.BeginAsync(accountId, key, "place_order", "h");
        // Another request with the key meanwhile is told the first is running; with another body, the key is reused.
        await using var plain = new OrdersDbContext(new DbContextOptionsBuilder<OrdersDbContext>()
            .UseNpgsql(factory.ConnectionString).Options);
        var other = await new Idempotency(plain, factory.Clock).BeginAsync(accountId, key, "place_order", "h");
        var reused = await new Idempotency(plain, factory.Clock).BeginAsync(accountId, key, "place_order", "other");

        Assert.Equal(2, lost.Runs);
        Assert.Null(begun);
        Assert.Equal("idempotency_request_in_progress", ProblemCode(other));
        Assert.Equal("idempotency_key_reused", ProblemCode(reused));
        Assert.Equal(1, await factory.QueryAsync(q => q.IdempotencyRecords.CountAsync(r => r.AccountId == accountId)));
    }

    [Fact]
    public async Task A_key_taken_by_another_body_while_a_request_prepared_is_not_used_for_its_effect()
    {
        var accountId = Guid.NewGuid();
        var key = Guid.NewGuid().ToString();
        var effects = 0;
        await using var scope = factory.Services.CreateAsyncScope();
        var keyed = scope.ServiceProvider.GetRequiredService<KeyedRequests>();

        // While this request prepares, its key is released (as when another request with it was refused) and taken by
        // a request with another body, which has not answered yet.
        var answer = await keyed.RunAsync(
            new KeyedRequest(accountId, key, "place_order", "mine", KeyRequired: true),
            _ =>
            {
                effects++;
                return Task.FromResult(KeyedOutcome.Done(201, new { }));
            },
            CancellationToken.None,
            prepare: async _ =>
            {
                await factory.QueryAsync(async db =>
                {
                    await db.IdempotencyRecords.Where(r => r.AccountId == accountId && r.Key == key)
                        .ExecuteDeleteAsync();
                    db.IdempotencyRecords.Add(new IdempotencyRecord
                    {
                        AccountId = accountId,
                        Key = key,
                        Operation = "place_order",
                        RequestHash = "theirs",
                        CreatedAt = factory.Clock.GetUtcNow(),
                    });
                    return await db.SaveChangesAsync();
                });
                return null;
            });
        var row = await factory.QueryAsync(db => db.IdempotencyRecords.AsNoTracking()
            .SingleAsync(r => r.AccountId == accountId && r.Key == key));

        Assert.Equal("idempotency_key_reused", ProblemCode(answer));
        Assert.Equal(0, effects);
        Assert.Equal(("theirs", (int?)null), (row.RequestHash, row.ResponseStatus));
    }

    [Fact]
    public async Task A_late_release_of_a_dead_requests_claim_leaves_the_retry_that_took_the_key_over_running()
    {
        var accountId = Guid.NewGuid();
        var key = Guid.NewGuid().ToString();
        var deadAt = factory.Clock.GetUtcNow() - Idempotency.Lease - TimeSpan.FromSeconds(1);
        await factory.QueryAsync(async db =>
        {
            db.IdempotencyRecords.Add(new IdempotencyRecord
            {
                AccountId = accountId, Key = key, Operation = "place_order", RequestHash = "h", CreatedAt = deadAt,
            });
            return await db.SaveChangesAsync();
        });
        var effects = 0;
        await using var scope = factory.Services.CreateAsyncScope();
        var keyed = scope.ServiceProvider.GetRequiredService<KeyedRequests>();

        // The retry takes over the key of a request that died; while it prepares, the dead request's claim is released
        // late (the database was away when it failed).
        var answer = await keyed.RunAsync(
            new KeyedRequest(accountId, key, "place_order", "h", KeyRequired: true),
            _ =>
            {
                effects++;
                return Task.FromResult(KeyedOutcome.Done(201, new { done = true }));
            },
            CancellationToken.None,
            prepare: async _ =>
            {
                await using var other = factory.Services.CreateAsyncScope();
                await other.ServiceProvider.GetRequiredService<Idempotency>().AbandonAsync(
                    accountId, key, deadAt, CancellationToken.None);
                return null;
            });

        Assert.Equal(201, Assert.IsType<StoredAnswer>(answer.Result).Status);
        Assert.Equal(1, effects);
    }

    private static string? ProblemCode(Results<StoredAnswer, ProblemHttpResult>? answer) =>
        Assert.IsType<ProblemHttpResult>(answer?.Result).ProblemDetails.Extensions["code"]?.ToString();

    // The key's insert succeeds (it commits on its own), then the connection "breaks" before the client hears so.
    private sealed class LoseTheKeysInsertAnswer : DbCommandInterceptor
    {
        private int _runs;

        public int Runs => _runs;

        public override ValueTask<int> NonQueryExecutedAsync(
            DbCommand command, CommandExecutedEventData eventData, int result,
            CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains("INSERT INTO idempotency_records", StringComparison.Ordinal)
                && Interlocked.Increment(ref _runs) == 1)
            {
                throw new NpgsqlException("The connection broke after the statement committed.",
                    new IOException("Connection reset by peer"));
            }

            return ValueTask.FromResult(result);
        }
    }

    private OrdersDbContext Context(LoseTheCommitsAnswer interceptor) =>
        new(new DbContextOptionsBuilder<OrdersDbContext>()
        .UseNpgsql(factory.ConnectionString, o => o.EnableRetryOnFailure(3))
        .AddInterceptors(interceptor)
        .Options);

    // The commit succeeds, then the connection "breaks" before the client hears so (a transient error).
    private sealed class LoseTheCommitsAnswer : DbTransactionInterceptor
    {
        public int Remaining { get; set; } = 1;

        public override Task TransactionCommittedAsync(
            DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            if (Remaining-- > 0)
            {
                throw new NpgsqlException("The connection broke after COMMIT was sent.",
                    new IOException("Connection reset by peer"));
            }

            return Task.CompletedTask;
        }
    }
}
