using Introserv.Contracts;

namespace Introserv.Verification.Contracts;

/// <summary>
/// The customer proved they own <paramref name="Phone"/> (E.164) by typing the code sent to it. Profile marks
/// the profile's phone verified when it is still the profile's number.
/// </summary>
public sealed record PhoneVerified(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    string Phone,
    Guid ChallengeId,
    string Channel) : IIntegrationEvent;
