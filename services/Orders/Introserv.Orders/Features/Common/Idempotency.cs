using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Introserv.Orders.Features.Common;

// Idempotency-Key handling for money-moving requests: the first request with a key runs; the same key with the
// same body answers the first response again; with another body 422 idempotency_key_reused; while the
// first is still running 409 idempotency_request_in_progress. Keys are kept 24 hours per account.
// The key's row is the single source of truth: its answer is written in the same transaction as the effect
// (see KeyedRequests), so a key either has its answer and its effect, or neither. A key is released
// (its row deleted) only while it has no answer, i.e. only when nothing was committed. A key left without an
// answer (the process died before the effect) is taken over by a retry after Lease.
public sealed class Idempotency(OrdersDbContext db, TimeProvider clock)
{
    public const string Header = "Idempotency-Key";
    public const int MaxKeyLength = 100;
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    // How long a key without an answer counts as in progress before a retry may run the request itself.
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    // How long a request with a key normally runs at most (a top-up waits up to 10 s for its payment provider, then
    // the database's retries): a key without an answer that is older was most likely left behind.
    public static readonly TimeSpan LongestRun = TimeSpan.FromSeconds(20);

    // How often a client is asked to come back for a key that was most likely left behind: it may be released at any
    // moment (KeyReleases, once the database answers again), or taken over when its lease ends.
    public const int LeftKeyRetryAfterSeconds = 5;

    public static string HashOf(object request) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request))));

    public static bool IsValidKey(string? key) => !string.IsNullOrWhiteSpace(key) && key.Length <= MaxKeyLength;

    // When the claim this request holds on its key was made (the key row's CreatedAt), once BeginAsync let it run.
    public DateTimeOffset? TakenAt { get; private set; }

    public static ProblemHttpResult KeyRequired() =>
        OrdersProblems.IdempotencyKeyRequired.Result(
            $"Send an Idempotency-Key header (1 to {MaxKeyLength} characters, e.g. a UUID) " +
            "so a retried request cannot order twice.");

    // Null when this request may run with its key (the first with it, or a retry taking over a key whose first
    // request died); otherwise the answer to give. Not cancelled by the client: a key is never left claimed by a
    // request that went away between the insert and its answer.
    public async Task<Results<StoredAnswer, ProblemHttpResult>?> BeginAsync(
        Guid accountId, string? key, string operation, string requestHash)
    {
        if (!IsValidKey(key))
        {
            return KeyRequired();
        }

        var now = clock.GetUtcNow();
        var expired = now - Retention;
        // One statement: a new key is inserted, and a key kept past Retention is taken over as if new (its old request
        // and answer forgotten); a live key is left alone. A transient failure is retried (the execution strategy),
        // so the statement may run twice: when the connection broke after it committed, the second run finds the row
        // the first wrote (the same request and the same instant, still without an answer), which counts as taken,
        // not as another request's: otherwise the request would fail and its key stay claimed by nobody until its
        // lease ran out (every retry of the client answered 409). Should another request claim the key in the same
        // microsecond, both pass here and the effect phase, which locks the key's row and re-checks its answer, still
        // applies the effect once.
        var inserted = await db.Database.CreateExecutionStrategy().ExecuteAsync(
            () => db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO idempotency_records ("AccountId", "Key", "Operation", "RequestHash", "CreatedAt")
            VALUES ({accountId}, {key}, {operation}, {requestHash}, {now})
            ON CONFLICT ("AccountId", "Key") DO UPDATE SET "Operation" = EXCLUDED."Operation",
                "RequestHash" = EXCLUDED."RequestHash", "CreatedAt" = EXCLUDED."CreatedAt", "ResponseStatus" = NULL,
                "ResponseBody" = NULL
            WHERE idempotency_records."CreatedAt" < {expired}
                OR (idempotency_records."CreatedAt" = {now} AND idempotency_records."Operation" = {operation}
                    AND idempotency_records."RequestHash" = {requestHash}
                    AND idempotency_records."ResponseStatus" IS NULL)
            """, CancellationToken.None));
        if (inserted == 1)
        {
            TakenAt = now;
            return null;
        }

        var existing = await db.IdempotencyRecords
            .AsNoTracking()
            .SingleOrDefaultAsync(r => r.AccountId == accountId && r.Key == key, CancellationToken.None);
        if (existing is null)
        {
            // Released between the insert and the read: the first request was refused and wrote nothing.
            return InProgress();
        }

        if (existing.Operation != operation || existing.RequestHash != requestHash)
        {
            return KeyReused();
        }

        if (existing.ResponseStatus is not null)
        {
            return Replay(existing);
        }

        // No answer yet: still running, unless the lease ran out (its process died): then this request takes the key
        // over and runs.
        if (existing.CreatedAt < now - Lease)
        {
            return await TakeOverAsync(accountId, key!, existing.CreatedAt, now)
                ? null
                : (Results<StoredAnswer, ProblemHttpResult>)InProgress();
        }

        return InProgress(RetryAfter(existing.CreatedAt, now));
    }

    // Takes over a key whose lease ran out as a claim of this request's own (taken now), so that a late release of the
    // dead request's claim (KeyReleases) cannot take it away; of several retries at once, one wins (and the effect
    // phase, which locks the key's row and re-checks it, applies the effect once in any case). Like the insert, the
    // statement may run twice when the connection broke after it committed: the second run finds this claim.
    private async Task<bool> TakeOverAsync(Guid accountId, string key, DateTimeOffset takenBefore, DateTimeOffset now)
    {
        var taken = await db.Database.CreateExecutionStrategy().ExecuteAsync(
            () => db.Database.ExecuteSqlInterpolatedAsync($"""
            UPDATE idempotency_records SET "CreatedAt" = {now}
            WHERE "AccountId" = {accountId} AND "Key" = {key} AND "ResponseStatus" IS NULL
                AND ("CreatedAt" = {takenBefore} OR "CreatedAt" = {now})
            """, CancellationToken.None));
        if (taken == 1)
        {
            TakenAt = now;
        }

        return taken == 1;
    }

    // The key's row, locked until the transaction ends; null when it was released.
    public Task<IdempotencyRecord?> LockAsync(Guid accountId, string key, CancellationToken cancellationToken) =>
        db.IdempotencyRecords
            .FromSqlInterpolated($"""
                SELECT * FROM idempotency_records WHERE "AccountId" = {accountId} AND "Key" = {key} FOR UPDATE
                """)
            .SingleOrDefaultAsync(cancellationToken);

    // The stored answer, when the key has one (read outside any lock).
    public async Task<StoredAnswer?> StoredAnswerAsync(Guid accountId, string key, CancellationToken cancellationToken)
    {
        var record = await db.IdempotencyRecords
            .AsNoTracking()
            .SingleOrDefaultAsync(r => r.AccountId == accountId && r.Key == key, cancellationToken);
        return record?.ResponseStatus is null ? null : Replay(record);
    }

    // The request ended without an answer worth repeating and without an effect: the key may be used again. Only a
    // key without an answer is released, so a key whose effect (and answer) committed is never touched; a commit
    // still in flight holds the row's lock, and this waits for it and then sees the answer. Only this request's claim
    // is released: a retry that took the key over (its lease ran out while this request was still running) keeps it.
    public Task AbandonAsync(Guid accountId, string key) =>
        TakenAt is { } takenAt
            ? AbandonAsync(accountId, key, takenAt, CancellationToken.None)
            : db.IdempotencyRecords
                .Where(r => r.AccountId == accountId && r.Key == key && r.ResponseStatus == null)
                .ExecuteDeleteAsync(CancellationToken.None);

    // The same for the claim taken at takenAt, also later (KeyReleases): a retry that took the key over since, or a new
    // request with it, keeps it.
    public Task AbandonAsync(Guid accountId, string key, DateTimeOffset takenAt, CancellationToken cancellationToken) =>
        db.IdempotencyRecords
            .Where(r => r.AccountId == accountId && r.Key == key && r.ResponseStatus == null && r.CreatedAt == takenAt)
            .ExecuteDeleteAsync(cancellationToken);

    public static StoredAnswer Replay(IdempotencyRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new StoredAnswer(record.ResponseStatus!.Value, record.ResponseBody ?? "null", null);
    }

    public static ProblemHttpResult KeyReused() =>
        OrdersProblems.IdempotencyKeyReused.Result(
            "This Idempotency-Key was used for a different request; use a new key for a new request.");

    // 409 idempotency_request_in_progress, with when to come back (Retry-After and retryAfterSeconds): by default
    // in a second, as a running request normally ends well within one.
    public static ProblemHttpResult InProgress(int retryAfterSeconds = 1) =>
        OrdersProblems.IdempotencyRequestInProgress.Result(
            "The first request with this Idempotency-Key is still being processed; retry shortly.",
            new Dictionary<string, object?>
            {
                [ProblemDetailsExtensions.RetryAfterSecondsExtension] = retryAfterSeconds,
            });

    // When a retry of a key taken at takenAt, still without an answer, is worth making: in a second while its request
    // is young enough to be running; once it has run longer than a request does (its process died, or the database
    // went away before the key could be released), every few seconds until its lease ends and a retry takes it over.
    public static int RetryAfter(DateTimeOffset takenAt, DateTimeOffset now) =>
        now - takenAt < LongestRun
            ? 1
            : Math.Clamp((int)Math.Ceiling((takenAt + Lease - now).TotalSeconds), 1, LeftKeyRetryAfterSeconds);
}

// A JSON answer exactly as stored with its key, so the first answer and every replay are the same bytes.
public sealed class StoredAnswer(int status, string json, string? location) : IResult
{
    public int Status => status;

    public string Json => json;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = status;
        if (location is not null)
        {
            httpContext.Response.Headers.Location = location;
        }

        httpContext.Response.ContentType = "application/json; charset=utf-8";
        await httpContext.Response.WriteAsync(json, Encoding.UTF8, httpContext.RequestAborted);
    }
}
