using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Contracts;
using Introserv.Orders.Data;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Orders.Money;

/// <summary>A ledger entry to write: positive credits, negative debits.</summary>
public sealed record Posting(decimal Amount, string Currency, string Reason, string? ReferenceType = null, string? ReferenceId = null, string? Note = null, Guid? ActorId = null);

public enum PostingOutcome
{
    Posted,
    InsufficientBalance,
    CurrencyMismatch,
    AlreadyPosted,

    /// <summary>The payment reference was credited to another account: a payment is credited once, to one account.</summary>
    ReferenceUsedElsewhere,
}

public sealed record PostingResult(PostingOutcome Outcome, LedgerEntry? Entry, decimal Balance);

/// <summary>
/// The only writer of balances. Inside the caller's transaction it locks the account's balance row
/// (<c>SELECT … FOR UPDATE</c>), so changes to one account are serialised across requests and replicas; a debit
/// that the balance does not cover is refused (and a check constraint backs that up); every change is a ledger
/// entry, and the balance is always the sum of the entries. <c>BalanceChanged</c> goes out through the outbox.
/// </summary>
public sealed class Ledger(OrdersDbContext db, TimeProvider clock)
{
    public const string TopUp = "top_up";

    /// <summary>The reference type of a payment received (a top-up): its reference is credited once.</summary>
    public const string Payment = "payment";

    /// <summary>Call inside a transaction (see <c>InTransactionAsync</c>); SaveChanges and commit are the caller's.</summary>
    public async Task<PostingResult> PostAsync(Guid accountId, Posting posting, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(posting);
        var now = clock.Now();
        var payment = posting.ReferenceType == Payment ? posting.ReferenceId : null;
        if (payment is not null)
        {
            // One credit per payment reference across all accounts: credits of one reference wait for each other here
            // (taken before the balance row, so two accounts never wait on each other); a unique index backs it up.
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtextextended({payment}, 0))", cancellationToken);
        }

        await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO balances (\"AccountId\", \"Balance\", \"Currency\", \"Sequence\", \"UpdatedAt\") VALUES ({accountId}, 0, {PlanCatalogue.Currency}, 0, {now}) ON CONFLICT DO NOTHING",
            cancellationToken);
        var account = await db.Balances.FromSqlInterpolated($"SELECT * FROM balances WHERE \"AccountId\" = {accountId} FOR UPDATE")
            .SingleAsync(cancellationToken);
        if (!string.Equals(account.Currency, posting.Currency, StringComparison.Ordinal))
        {
            return new PostingResult(PostingOutcome.CurrencyMismatch, null, account.Balance);
        }

        if (payment is not null)
        {
            var existing = await db.Ledger.AsNoTracking().FirstOrDefaultAsync(e => e.ReferenceType == Payment && e.ReferenceId == payment, cancellationToken);
            if (existing is not null)
            {
                return existing.AccountId == accountId
                    ? new PostingResult(PostingOutcome.AlreadyPosted, existing, account.Balance)
                    : new PostingResult(PostingOutcome.ReferenceUsedElsewhere, null, account.Balance);
            }
        }

        var balance = account.Balance + posting.Amount;
        if (balance < 0)
        {
            return new PostingResult(PostingOutcome.InsufficientBalance, null, account.Balance);
        }

        account.Balance = balance;
        account.Sequence++;
        account.UpdatedAt = now;
        var entry = new LedgerEntry
        {
            AccountId = accountId,
            Sequence = account.Sequence,
            Amount = posting.Amount,
            Currency = posting.Currency,
            BalanceAfter = balance,
            Reason = posting.Reason,
            ReferenceType = posting.ReferenceType,
            ReferenceId = posting.ReferenceId,
            Note = posting.Note,
            ActorId = posting.ActorId,
            At = now,
        };
        db.Ledger.Add(entry);
        db.AddIntegrationEvent(new BalanceChanged(Guid.CreateVersion7(), now, accountId, balance, posting.Currency, posting.Amount, posting.Reason, account.Sequence), clock);
        return new PostingResult(PostingOutcome.Posted, entry, balance);
    }
}
