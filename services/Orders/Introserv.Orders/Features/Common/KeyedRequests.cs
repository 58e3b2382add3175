using System.Text.Json;
using Introserv.BuildingBlocks.Data;

namespace Introserv.Orders.Features.Common;

// A request that moves money or order state, with its Idempotency-Key (required or optional) and what identifies
// its body.
public sealed record KeyedRequest(Guid AccountId, string? Key, string Operation, string RequestHash, bool KeyRequired);

// What an effect answers: done (stored with the key, committed with the effect) or refused (nothing written, the
// key released).
public sealed record KeyedOutcome(
    int Status, object? Body, string? Location, ProblemHttpResult? Refusal, Func<object>? BodyAfterSave = null)
{
    public static KeyedOutcome Done(int status, object body, string? location = null) =>
        new(status, body, location, null);

    // Done, with a body built once what the effect wrote is saved (inside its transaction): it shows what the
    // database gave the new rows (an order's number, an invoice's number).
    public static KeyedOutcome Done(int status, Func<object> body, string? location = null) =>
        new(status, null, location, null, body);

    public static KeyedOutcome Refused(ProblemHttpResult problem) => new(0, null, null, problem);
}

// Runs a money-moving request in two phases. Prepare (checks that may take the client's cancellation: a
// gRPC question, reads) writes nothing. Effect: one database transaction that locks the key's row, answers
// the stored answer when an earlier run completed it, otherwise applies the effect and writes the answer into the
// key's row, and commits both together. The effect phase is not cancelled when the client goes away; a commit whose
// outcome is unknown is settled by the key's row, never by running the effect again blindly.
public sealed class KeyedRequests(OrdersDbContext db, Idempotency idempotency, KeyReleases releases)
{
    // The status logged for a request whose client went away before anything was done (nginx's 499).
    public const int ClientClosedRequest = 499;

    public async Task<Results<StoredAnswer, ProblemHttpResult>> RunAsync(
        KeyedRequest request, Func<CancellationToken, Task<KeyedOutcome>> effect, CancellationToken requestAborted,
        Func<CancellationToken, Task<ProblemHttpResult?>>? prepare = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(effect);
        if (request.Key is null && !request.KeyRequired)
        {
            return await PrepareAsync(prepare, requestAborted) is { } refused
                ? refused
                : await db.InTransactionAsync(
                    async ct => await AnswerAsync(await ApplyAsync(effect, ct), ct), CancellationToken.None);
        }

        if (await idempotency.BeginAsync(
            request.AccountId, request.Key, request.Operation, request.RequestHash) is { } answer)
        {
            return answer;
        }

        var key = request.Key!;
        try
        {
            if (await PrepareAsync(prepare, requestAborted) is { } refused)
            {
                await idempotency.AbandonAsync(request.AccountId, key);
                return refused;
            }

            return await db.InTransactionAsync(
                async Task<Results<StoredAnswer, ProblemHttpResult>> (ct) =>
                {
                    var record = await idempotency.LockAsync(request.AccountId, key, ct);
                    if (record is null)
                    {
                        return Idempotency.InProgress();
                    }

                    if (record.Operation != request.Operation || record.RequestHash != request.RequestHash)
                    {
                        // The key was released meanwhile (another request with it was refused) and taken by a request
                        // with another body: the row, and any answer in it, is that request's.
                        return Idempotency.KeyReused();
                    }

                    if (record.ResponseStatus is not null)
                    {
                        return Idempotency.Replay(record);
                    }

                    var outcome = await ApplyAsync(effect, ct);
                    if (outcome.Refusal is not null)
                    {
                        // Nothing was applied: the key is released in the same transaction.
                        db.IdempotencyRecords.Remove(record);
                        return outcome.Refusal;
                    }

                    if (outcome.BodyAfterSave is { } body)
                    {
                        // Written in the batch that follows the effect's inserts (with its numbered invoices' events),
                        // not in a statement of its own.
                        db.AfterSave(() => Answer(record, outcome.Status, body()));
                        await db.SaveChangesAsync(ct);
                    }
                    else
                    {
                        Answer(record, outcome.Status, outcome.Body);
                    }

                    return new StoredAnswer(outcome.Status, record.ResponseBody!, outcome.Location);
                },
                CancellationToken.None,
                committed: async ct => await idempotency.StoredAnswerAsync(request.AccountId, key, ct) is { } stored
                    ? (true, (Results<StoredAnswer, ProblemHttpResult>)stored)
                    : (false, null!));
        }
        catch
        {
            // Releases the key only when it has no answer, i.e. when the effect did not commit.
            await ReleaseAsync(request.AccountId, key);
            throw;
        }
    }

    // Releases a failed request's key; when the database is unavailable for that too (the request failed because of
    // it), the key is released once it answers again rather than left taken until its lease ends. The request's own
    // failure is what its client is answered.
    private async Task ReleaseAsync(Guid accountId, string key)
    {
        try
        {
            await idempotency.AbandonAsync(accountId, key);
        }
        catch (Exception error) when (DatabaseFailures.IsUnavailable(error) && idempotency.TakenAt is { } takenAt)
        {
            releases.Later(accountId, key, takenAt);
        }
    }

    private static void Answer(IdempotencyRecord record, int status, object? body)
    {
        record.ResponseStatus = status;
        record.ResponseBody = JsonSerializer.Serialize(body, JsonSerializerOptions.Web);
    }

    // The checks before the effect; a client that went away meanwhile is answered (nobody reads it) with nothing done.
    private static async Task<ProblemHttpResult?> PrepareAsync(
        Func<CancellationToken, Task<ProblemHttpResult?>>? prepare, CancellationToken requestAborted)
    {
        try
        {
            return prepare is null ? null : await prepare(requestAborted);
        }
        catch (Exception) when (requestAborted.IsCancellationRequested)
        {
            return OrdersProblems.ClientClosedRequest.Result("The client went away before anything was done.");
        }
    }

    // Runs the effect; a refusal leaves nothing of what the effect had tracked.
    private async Task<KeyedOutcome> ApplyAsync(
        Func<CancellationToken, Task<KeyedOutcome>> effect, CancellationToken cancellationToken)
    {
        var outcome = await effect(cancellationToken);
        if (outcome.Refusal is not null)
        {
            db.ChangeTracker.Clear();
        }

        return outcome;
    }

    private async Task<Results<StoredAnswer, ProblemHttpResult>> AnswerAsync(
        KeyedOutcome outcome, CancellationToken cancellationToken) =>
        outcome.Refusal is { } refusal
            ? refusal
            : new StoredAnswer(
                outcome.Status,
                JsonSerializer.Serialize(await BodyAsync(outcome, cancellationToken), JsonSerializerOptions.Web),
                outcome.Location);

    private async Task<object?> BodyAsync(KeyedOutcome outcome, CancellationToken cancellationToken)
    {
        if (outcome.BodyAfterSave is null)
        {
            return outcome.Body;
        }

        await db.SaveChangesAsync(cancellationToken);
        return outcome.BodyAfterSave();
    }
}
