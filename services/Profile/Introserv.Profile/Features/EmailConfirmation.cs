using System.Security.Cryptography;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Profile.Contracts;
using Microsoft.AspNetCore.WebUtilities;

namespace Introserv.Profile.Features;

public sealed record EmailConfirmationRequestedResponse(string Email, DateTimeOffset ExpiresAt);

// Confirming the account's own address: after sign-up (and again on request) a link with a single-use token (256 random
// bits, kept as SHA-256, 24 hours) goes to it, as a request to "change" the email to itself; confirming it through
// /email-change/confirm marks the address confirmed. Until then the address receives no password reset (Identity) and
// no news (Notifications). A newer request of either kind voids older links.
public static class EmailConfirmation
{
    public static RouteGroupBuilder MapEmailConfirmationEndpoints(this RouteGroupBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        group.MapPost("/email-confirmation", ResendAsync)
            .WithSummary(
                "Send the confirmation link for the account's address again (confirm it with /email-change/confirm)")
            .WithDescription("202. Older links stop working.")
            .Produces<EmailConfirmationRequestedResponse>(StatusCodes.Status202Accepted)
            .Problems(ProfileProblems.EmailAlreadyConfirmed, ProfileProblems.TooManyEmailConfirmations);
        return group;
    }

    // Adds a confirmation request for the profile's current address and its event (saved by the caller).
    public static async Task<EmailChangeRequest> RequestAsync(
        ProfileDbContext db, CustomerProfile profile, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(profile);
        var now = clock.GetUtcNow();
        await db.EmailChangeRequests
            .Where(r => r.AccountId == profile.AccountId && r.ConfirmedAt == null && r.SupersededAt == null)
            .ExecuteUpdateAsync(r => r.SetProperty(x => x.SupersededAt, now), cancellationToken);
        var token = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var request = new EmailChangeRequest
        {
            Id = Guid.CreateVersion7(),
            AccountId = profile.AccountId,
            NewEmail = profile.Email,
            TokenHash = EmailChange.HashOf(token),
            RequestedAt = now,
            ExpiresAt = now + EmailChange.TokenLifetime,
        };
        db.EmailChangeRequests.Add(request);
        db.AddIntegrationEvent(
            new EmailConfirmationRequested(
                Guid.CreateVersion7(), now, profile.AccountId, request.Id, profile.Email, token, request.ExpiresAt),
            clock);
        return request;
    }

    // Whether confirming request confirms the current address rather than changing it.
    public static bool Confirms(EmailChangeRequest request, CustomerProfile profile) =>
        string.Equals(request.NewEmail, profile.Email, StringComparison.OrdinalIgnoreCase);

    private static async Task<Results<Accepted<EmailConfirmationRequestedResponse>, ProblemHttpResult>> ResendAsync(
        ClaimsPrincipal user, ProfileDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var profile = await db.Profiles.FirstOrDefaultAsync(p => p.AccountId == accountId, cancellationToken);
        if (profile is null)
        {
            return ProfileProblems.NotFound();
        }

        if (profile.EmailConfirmed)
        {
            return ProfileProblems.EmailAlreadyConfirmed.Result("The account's address is confirmed already.");
        }

        var since = clock.GetUtcNow().AddHours(-1);
        if (await db.EmailChangeRequests.CountAsync(
            r => r.AccountId == accountId && r.RequestedAt > since, cancellationToken) >= EmailChange.RequestsPerHour)
        {
            return ProfileProblems.TooManyEmailConfirmations.Result(
                $"At most {EmailChange.RequestsPerHour} confirmation or change links may be sent per hour.");
        }

        var request = await RequestAsync(db, profile, clock, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Accepted(
            (string?)null, new EmailConfirmationRequestedResponse(request.NewEmail, request.ExpiresAt));
    }
}
