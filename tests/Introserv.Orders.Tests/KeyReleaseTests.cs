using System.Data.Common;
using System.Net.Http.Headers;
using Introserv.Orders.Data;
using Introserv.Orders.Features.Common;
using Introserv.Orders.Features.PlaceOrder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Introserv.Orders.Tests;

// A request whose database went away after it took its Idempotency-Key fails (503) and cannot release the key either:
// the key is released once the database answers, so the client's retry runs then, not after the key's lease.
public sealed class KeyReleaseTests(OrdersServiceFactory factory) : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_key_an_outage_kept_from_release_is_released_when_the_database_answers_and_charged_once()
    {
        var accountId = await factory.PayingCustomerAsync(100m);
        var outage = new OutageAfterTheKey();
        await using var host = factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.ConfigureDbContext<OrdersDbContext>(options => options.AddInterceptors(outage))));
        using var http = host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", TestTokens.For(accountId, AuthenticationExtensions.CustomerRole));
        var body = new PlaceOrderRequest("vps-s", 1, null, OrderForms.For("vps-s"));
        var key = Guid.NewGuid().ToString();
        Task<int> KeyRows() => factory.QueryAsync(db => db.IdempotencyRecords.CountAsync(
            r => r.AccountId == accountId && r.Key == key));

        // The database goes away right after the key is taken: the order, and then the key's release, fail.
        outage.Armed = true;
        var (failed, failedBody) = await OrdersServiceFactory.OrderAsync(http, body, key);
        var keptDuringOutage = await KeyRows();
        outage.Down = false;
        var released = await Eventually.TrueAsync(async () => await KeyRows() == 0, TimeSpan.FromSeconds(15));
        var (placed, placedBody) = await OrdersServiceFactory.OrderAsync(http, body, key);
        var (again, againBody) = await OrdersServiceFactory.OrderAsync(http, body, key);

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "service_unavailable"),
            (failed, failedBody.GetProperty("code").GetString()));
        Assert.Equal(1, keptDuringOutage);
        Assert.True(released, "the key was still taken 15 s after the database came back");
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (placed, again));
        Assert.Equal(placedBody.GetProperty("id").GetGuid(), againBody.GetProperty("id").GetGuid());
        Assert.Equal(0, host.Services.GetRequiredService<KeyReleases>().PendingCount);
        Assert.Equal(100m - 9.90m, await OrdersServiceFactory.BalanceAsync(http));
    }

    [Fact]
    public async Task A_later_release_takes_only_the_failed_claim_and_leaves_a_new_one_and_an_answer()
    {
        var accountId = Guid.NewGuid();
        var now = factory.Clock.GetUtcNow();
        var failedAt = now - TimeSpan.FromSeconds(5);
        IdempotencyRecord Row(string key, DateTimeOffset createdAt, int? status) => new()
        {
            AccountId = accountId,
            Key = key,
            Operation = "place_order",
            RequestHash = "h",
            CreatedAt = createdAt,
            ResponseStatus = status,
            ResponseBody = status is null ? null : "{}",
        };
        // "failed": still the failed request's claim. "claimed": released meanwhile and taken by a new request.
        // "answered": its effect committed after all (its answer is the key's for good). "expired": a claim whose
        // lease has ended, which a retry may be taking over as this runs: left to it.
        var expiredAt = now - Idempotency.Lease - TimeSpan.FromSeconds(1);
        await factory.QueryAsync(async db =>
        {
            db.IdempotencyRecords.AddRange(
                Row("failed", failedAt, null), Row("claimed", now, null), Row("answered", failedAt, 201),
                Row("expired", expiredAt, null));
            return await db.SaveChangesAsync();
        });
        var releases = factory.Services.GetRequiredService<KeyReleases>();

        foreach (var key in new[] { "failed", "claimed", "answered" })
        {
            releases.Later(accountId, key, failedAt);
        }

        releases.Later(accountId, "expired", expiredAt);

        var done = await Eventually.TrueAsync(() => releases.PendingCount == 0, TimeSpan.FromSeconds(10));
        var left = await factory.QueryAsync(db => db.IdempotencyRecords
            .Where(r => r.AccountId == accountId).OrderBy(r => r.Key).Select(r => r.Key).ToListAsync());

        Assert.True(done);
        Assert.Equal(["answered", "claimed", "expired"], left);
    }

    // Once armed, every statement fails as an unreachable server would from the moment a key is taken until Down is
    // cleared.
    private sealed class OutageAfterTheKey : DbCommandInterceptor
    {
        private volatile bool _armed;
        private volatile bool _down;

        public bool Armed
        {
            get => _armed;
            set => _armed = value;
        }

        public bool Down
        {
            get => _down;
            set => _down = value;
        }

        public override ValueTask<int> NonQueryExecutedAsync(
            DbCommand command, CommandExecutedEventData eventData, int result,
            CancellationToken cancellationToken = default)
        {
            if (_armed && command.CommandText.Contains("INSERT INTO idempotency_records", StringComparison.Ordinal))
            {
                _armed = false;
                _down = true;
            }

            return ValueTask.FromResult(result);
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result,
            CancellationToken cancellationToken = default) =>
            _down ? throw Unreachable() : ValueTask.FromResult(result);

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result,
            CancellationToken cancellationToken = default) =>
            _down ? throw Unreachable() : ValueTask.FromResult(result);

        public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<object> result,
            CancellationToken cancellationToken = default) =>
            _down ? throw Unreachable() : ValueTask.FromResult(result);

        private static NpgsqlException Unreachable() =>
            new("The database server could not be reached.", new IOException("Connection refused"));
    }
}
