using Introserv.Contracts;

namespace Introserv.Identity.Contracts;

/// <summary>A customer account was created. Profile and Notifications create their records from it.</summary>
public sealed record AccountRegistered(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    string Login,
    string Email,
    string FirstName,
    string LastName) : IIntegrationEvent;
