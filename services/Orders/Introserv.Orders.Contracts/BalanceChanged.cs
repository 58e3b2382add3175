using Introserv.Contracts;

namespace Introserv.Orders.Contracts;

/// <summary>
/// A ledger entry changed the account's balance to <paramref name="Balance"/> (<paramref name="Currency"/>).
/// <paramref name="LedgerSequence"/> grows with every entry of the account, so a consumer that sees events out
/// of order keeps the newest balance. Notifications sends low-balance alerts from it.
/// </summary>
public sealed record BalanceChanged(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    decimal Balance,
    string Currency,
    decimal Change,
    string Reason,
    long LedgerSequence) : IIntegrationEvent;
