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

        await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO balances ("AccountId", "Balance", "Currency", "Sequence", "UpdatedAt")
            VALUES ({accountId}, 0, {PlanCatalogue.Currency}, 0, {now}) ON CONFLICT DO NOTHING
            """,
            cancellationToken);
        var account = await db.Balances
            .FromSqlInterpolated($"SELECT * FROM balances WHERE \"AccountId\" = {accountId} FOR UPDATE")
            .SingleAsync(cancellationToken);
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
}
