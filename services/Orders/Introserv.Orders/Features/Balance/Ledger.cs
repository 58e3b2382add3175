using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Contracts;

namespace Introserv.Orders.Features.Balance;

// The only writer of balances. Inside the caller's transaction it locks the account's balance row
// (SELECT … FOR UPDATE), so changes to one account are serialised across requests and replicas, then applies the
// ledger's rules (LedgerRules: a debit the balance does not cover is refused, and a check constraint backs that up;
// every change is an entry). BalanceChanged goes out through the outbox.
public sealed class Ledger(OrdersDbContext db, TimeProvider clock)
{
    // Call inside a transaction (see InTransactionAsync); SaveChanges and commit are the caller's.
    public async Task<PostingResult> PostAsync(Guid accountId, Posting posting, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(posting);
        var now = clock.Now();
        var payment = LedgerRules.PaymentReferenceOf(posting);
        if (payment is not null)
        {
            // One credit per payment reference across all accounts: credits of one reference wait for each other here
            // (taken before the balance row, so two accounts never wait on each other); a unique index backs it up.
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"SELECT pg_advisory_xact_lock(hashtextextended({payment}, 0))", cancellationToken);
        }

        // The account's row, locked; an account without one (never credited) gets a zero balance first. Tried in that
        // order, so the usual case (the row exists) is one statement.
        var account = await LockAsync(accountId, cancellationToken);
        if (account is null)
        {
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"""
                INSERT INTO balances ("AccountId", "Balance", "Currency", "Sequence", "UpdatedAt")
                VALUES ({accountId}, 0, {PlanCatalogue.Currency}, 0, {now}) ON CONFLICT DO NOTHING
                """,
                cancellationToken);
            account = await LockAsync(accountId, cancellationToken)
                ?? throw new InvalidOperationException("The balance row was not written.");
        }

        var credited = payment is null
            ? null
            : await db.Ledger
                .AsNoTracking()
                .FirstOrDefaultAsync(
                    e => e.ReferenceType == LedgerRules.Payment && e.ReferenceId == payment, cancellationToken);
        var result = LedgerRules.Apply(account, posting, credited, now);
        if (result.Outcome == PostingOutcome.Posted)
        {
            db.Ledger.Add(result.Entry!);
            db.AddIntegrationEvent(new BalanceChanged(
                Guid.CreateVersion7(), now, accountId, result.Balance, posting.Currency, posting.Amount, posting.Reason,
                account.Sequence), clock);
        }

        return result;
    }

    private Task<BalanceAccount?> LockAsync(Guid accountId, CancellationToken cancellationToken) =>
        db.Balances
            .FromSqlInterpolated($"SELECT * FROM balances WHERE \"AccountId\" = {accountId} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken);
}
