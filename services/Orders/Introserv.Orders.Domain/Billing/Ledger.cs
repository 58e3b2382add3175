namespace Introserv.Orders.Domain;

// A ledger entry to write: positive credits, negative debits.
public sealed record Posting(
    decimal Amount, string Currency, string Reason, string? ReferenceType = null, string? ReferenceId = null,
    string? Note = null, Guid? ActorId = null);

public enum PostingOutcome
{
    Posted,
    InsufficientBalance,
    CurrencyMismatch,
    AlreadyPosted,

    // The payment reference was credited to another account: a payment is credited once, to one account.
    ReferenceUsedElsewhere,
}

public sealed record PostingResult(PostingOutcome Outcome, LedgerEntry? Entry, decimal Balance);

// The ledger's rules: every change of a balance is an entry, the balance is the sum of the entries and never goes
// below zero, one currency per balance, a payment reference is credited once, to one account.
public static class LedgerRules
{
    public const string TopUp = "top_up";
    public const string OrderCharge = "order_charge";
    public const string RenewalCharge = "renewal_charge";
    public const string PlanChange = "plan_change";
    public const string Refund = "refund";

    // Reference types: what an entry belongs to. A payment received (a top-up) is credited once per reference.
    public const string Payment = "payment";
    public const string InvoiceReference = "invoice";
    public const string RefundReference = "refund";

    // Applies the posting to the account (its balance and sequence) and returns the new entry, or why not. The
    // caller holds the account's lock and passes the entry that already credited the posting's payment reference.
    public static PostingResult Apply(
        BalanceAccount account, Posting posting, LedgerEntry? paymentCredited, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(posting);
        if (!string.Equals(account.Currency, posting.Currency, StringComparison.Ordinal))
        {
            return new PostingResult(PostingOutcome.CurrencyMismatch, null, account.Balance);
        }

        if (paymentCredited is not null)
        {
            return paymentCredited.AccountId == account.AccountId
                ? new PostingResult(PostingOutcome.AlreadyPosted, paymentCredited, account.Balance)
                : new PostingResult(PostingOutcome.ReferenceUsedElsewhere, null, account.Balance);
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
            AccountId = account.AccountId,
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
        return new PostingResult(PostingOutcome.Posted, entry, balance);
    }

    // The payment reference a posting credits once, or null.
    public static string? PaymentReferenceOf(Posting posting) =>
        (posting ?? throw new ArgumentNullException(nameof(posting))).ReferenceType == Payment
            ? posting.ReferenceId
            : null;
}
