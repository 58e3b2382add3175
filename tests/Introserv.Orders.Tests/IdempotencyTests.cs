using System.Data.Common;
using Introserv.BuildingBlocks.Data;
using Introserv.Orders.Data;
using Introserv.Orders.Domain;
using Introserv.Orders.Features.Common;
using Introserv.Orders.Features.PlaceOrder;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Introserv.Orders.Tests;

// What happens to a key whose request died, and to a unit whose commit outcome is unknown.
public sealed class IdempotencyTests(OrdersServiceFactory factory) : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_key_left_without_an_answer_is_in_progress_until_its_lease_ends_then_the_retry_runs_it_once()
    {
        var accountId = await factory.PayingCustomerAsync(100m);
        using var http = factory.Customer(accountId);
        var body = new PlaceOrderRequest("vps-s", 1, null, OrderForms.For("vps-s"));
        var stored = OrderForm.Check(OrderForm.Vps, body.Fields).Values;
        var (fresh, stale) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        var now = factory.Clock.GetUtcNow();
        // Two requests whose process died after taking their key: one just now, one longer ago than the lease.
        await factory.QueryAsync(async db =>
        {
            db.IdempotencyRecords.Add(new IdempotencyRecord
            {
                AccountId = accountId,
                Key = fresh,
                Operation = "place_order",
                RequestHash = PlaceOrderEndpoint.RequestHash(body, stored),
                CreatedAt = now
            });
            db.IdempotencyRecords.Add(new IdempotencyRecord
            {
                AccountId = accountId,
                Key = stale,
                Operation = "place_order",
                RequestHash = PlaceOrderEndpoint.RequestHash(body, stored),
                CreatedAt = now - Idempotency.Lease - TimeSpan.FromSeconds(1),
            });
            return await db.SaveChangesAsync();
        });

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
