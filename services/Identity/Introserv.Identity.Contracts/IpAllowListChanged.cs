using Introserv.Contracts;

namespace Introserv.Identity.Contracts;

/// <summary>
/// An account's IP allow-list was replaced. <see cref="Entries"/> is the whole list in the canonical form of
/// the allow-list library (<c>Introserv.AllowList.IpAllowList</c>; empty: no restriction).
/// <see cref="Version"/> grows with every change, so a consumer that sees events out of order keeps the newest
/// list. <see cref="SupportReason"/> is set when support cleared the list for a locked-out customer (the customer
/// is told why).
/// </summary>
public sealed record IpAllowListChanged(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    IReadOnlyList<string> Entries,
    long Version,
    string? SupportReason = null) : IIntegrationEvent;
