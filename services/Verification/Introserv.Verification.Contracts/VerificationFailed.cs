using Introserv.Contracts;

namespace Introserv.Verification.Contracts;

/// <summary>
/// A challenge failed for good, for monitoring and support: <paramref name="Reason"/> is
/// <c>attempts_exhausted</c> (too many wrong codes) or <c>delivery_failed</c> (every gateway refused the message).
/// Never carries a code.
/// </summary>
public sealed record VerificationFailed(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid ChallengeId,
    string Purpose,
    string Channel,
    string Reason) : IIntegrationEvent;
