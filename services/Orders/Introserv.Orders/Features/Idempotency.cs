using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Introserv.Orders.Data;
using Introserv.ServiceDefaults;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Orders.Features;

/// <summary>
/// Idempotency-Key handling for money-moving requests: the first request with a key runs; the same key with the
/// same body answers the first response again; with another body <c>422 idempotency_key_reused</c>; while the
/// first is still running <c>409 idempotency_request_in_progress</c>. Keys are kept 24 hours per account.
/// </summary>
public sealed class Idempotency(OrdersDbContext db, TimeProvider clock)
{
    public const string Header = "Idempotency-Key";
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    public static string HashOf(object request) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request))));

    /// <summary>Null when this request is the first with its key and may run; otherwise the answer to give.</summary>
    public async Task<IResult?> BeginAsync(Guid accountId, string? key, string operation, string requestHash, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(key) || key.Length > 100)
        {
            return Problem(StatusCodes.Status400BadRequest, "idempotency_key_required", "Idempotency-Key required",
                "Send an Idempotency-Key header (1 to 100 characters, e.g. a UUID) so a retried request cannot order twice.");
        }

        var now = clock.GetUtcNow();
        var expired = now - Retention;
        await db.IdempotencyRecords.Where(r => r.AccountId == accountId && r.Key == key && r.CreatedAt < expired).ExecuteDeleteAsync(cancellationToken);
        var inserted = await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO idempotency_records ("AccountId", "Key", "Operation", "RequestHash", "CreatedAt")
            VALUES ({accountId}, {key}, {operation}, {requestHash}, {now}) ON CONFLICT DO NOTHING
            """, cancellationToken);
        if (inserted == 1)
        {
            return null;
        }

        var existing = await db.IdempotencyRecords.AsNoTracking().SingleAsync(r => r.AccountId == accountId && r.Key == key, cancellationToken);
        if (existing.Operation != operation || existing.RequestHash != requestHash)
        {
            return Problem(StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused", "Idempotency-Key already used",
                "This Idempotency-Key was used for a different request; use a new key for a new request.");
        }

        return existing.ResponseStatus is { } status
            ? Results.Content(existing.ResponseBody, "application/json", Encoding.UTF8, status)
            : Problem(StatusCodes.Status409Conflict, "idempotency_request_in_progress", "Request in progress",
                "The first request with this Idempotency-Key is still being processed; retry shortly.");
    }

    public Task CompleteAsync(Guid accountId, string key, int status, object body, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(body, JsonSerializerOptions.Web);
        return db.IdempotencyRecords.Where(r => r.AccountId == accountId && r.Key == key)
            .ExecuteUpdateAsync(r => r.SetProperty(x => x.ResponseStatus, status).SetProperty(x => x.ResponseBody, json), cancellationToken);
    }

    /// <summary>The request failed without an answer worth repeating: the key may be used again.</summary>
    public Task AbandonAsync(Guid accountId, string key) =>
        db.IdempotencyRecords.Where(r => r.AccountId == accountId && r.Key == key && r.ResponseStatus == null).ExecuteDeleteAsync();

    public static IResult Problem(int status, string code, string title, string detail, Dictionary<string, object?>? extensions = null) =>
        ProblemDetailsExtensions.CodedProblem(status, code, title, detail, extensions);
}
