using System.Security.Cryptography;
using System.Text;
using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Profile.Contracts;
using Microsoft.AspNetCore.WebUtilities;

namespace Introserv.Profile.Features;

public sealed record EmailChangeRequestBody(
    [property: RequiredValue, Email, TextLength(EmailAttribute.MaxLength)] string? NewEmail);

public sealed record EmailChangeRequestedResponse(string NewEmail, DateTimeOffset ExpiresAt);

public sealed record EmailChangeConfirmBody([property: TextLength(EmailChange.MaxTokenLength)] string? Token);

// Changing the email: a link with a single-use token (256 random bits, kept as SHA-256, 24 hours) goes to the
// new address; confirming it switches the address and tells the old one. A newer request voids older links.
public static class EmailChange
{
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(24);
    public const int RequestsPerHour = 5;
    public const int MaxTokenLength = 100;

    public static RouteGroupBuilder MapEmailChangeEndpoints(this RouteGroupBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        group.MapPost("/email-change", RequestAsync)
            .WithSummary("Ask to change the email: a confirmation link goes to the new address")
            .WithDescription("202. Older links stop working.")
            .Produces<EmailChangeRequestedResponse>(StatusCodes.Status202Accepted)
            .Problems(ProfileProblems.EmailUnchanged, ProfileProblems.TooManyEmailChanges);
        group.MapPost("/email-change/confirm", ConfirmAsync)
            .WithSummary("Confirm the new email with the token from the link (signed in as the same account)")
            .WithDescription("email_change_token_invalid: unknown, another account's, or replaced by a newer request.")
            .Problems(ProfileProblems.EmailChangeTokenInvalid,
                ProfileProblems.EmailChangeTokenUsed, ProfileProblems.EmailChangeTokenExpired);
        return group;
    }

    public static string HashOf(string token) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static async Task<Results<Accepted<EmailChangeRequestedResponse>, ProblemHttpResult>> RequestAsync(
        EmailChangeRequestBody body, ClaimsPrincipal user, ProfileDbContext db, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var newEmail = body.NewEmail!.Trim();

        var profile = await db.Profiles.FirstOrDefaultAsync(p => p.AccountId == accountId, cancellationToken);
        if (profile is null)
        {
            return ProfileProblems.NotFound();
        }

        if (string.Equals(profile.Email, newEmail, StringComparison.OrdinalIgnoreCase))
        {
            return ProfileProblems.EmailUnchanged.Result("That is already the account's email.");
        }

        var now = clock.GetUtcNow();
        var recent = await db.EmailChangeRequests.CountAsync(
            r => r.AccountId == accountId && r.RequestedAt > now.AddHours(-1), cancellationToken);
        if (recent >= RequestsPerHour)
        {
            return ProfileProblems.TooManyEmailChanges.Result(
                $"At most {RequestsPerHour} email changes may be requested per hour.");
        }

        await db.EmailChangeRequests
            .Where(r => r.AccountId == accountId && r.ConfirmedAt == null && r.SupersededAt == null)
            .ExecuteUpdateAsync(r => r.SetProperty(x => x.SupersededAt, now), cancellationToken);
        var token = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var request = new EmailChangeRequest
        {
            Id = Guid.CreateVersion7(),
            AccountId = accountId,
            NewEmail = newEmail!,
            TokenHash = HashOf(token),
            RequestedAt = now,
            ExpiresAt = now + TokenLifetime,
        };
        db.EmailChangeRequests.Add(request);
        db.AddIntegrationEvent(
            new EmailChangeRequested(Guid.CreateVersion7(), now, accountId,
                request.Id, profile.Email, request.NewEmail, token, request.ExpiresAt),
            clock);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Accepted(
            (string?)null, new EmailChangeRequestedResponse(request.NewEmail, request.ExpiresAt));
    }

    private static async Task<Results<Ok<ProfileResponse>, ProblemHttpResult>> ConfirmAsync(
        EmailChangeConfirmBody body, ClaimsPrincipal user, HttpContext context, ProfileDbContext db, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var (profile, problem) = await ConfirmTokenAsync(
            user.AccountId(), body.Token, context.ClientAddress()?.ToString(), db, clock, cancellationToken);
        if (profile is null)
        {
            return problem!;
        }

        context.Response.Headers.ETag = ProfileResponse.ETagOf(profile);
        return TypedResults.Ok(ProfileResponse.From(profile));
    }

    // Confirms the account's pending change (or its own address) with a link's token: the profile after it, or the
    // problem (invalid, used, expired). Shared by the API and the confirmation page (gRPC, EmailConfirmationService).
    public static async Task<(CustomerProfile? Profile, ProblemHttpResult? Problem)> ConfirmTokenAsync(
        Guid accountId, string? token, string? clientAddress, ProfileDbContext db, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(clock);
        var invalid = ProfileProblems.EmailChangeTokenInvalid.Result(
            "This confirmation link is not valid (a newer request may have replaced it).");
        if (string.IsNullOrWhiteSpace(token) || token.Length > MaxTokenLength)
        {
            return (null, invalid);
        }

        var hash = HashOf(token.Trim());
        var request = await db.EmailChangeRequests.FirstOrDefaultAsync(r => r.TokenHash == hash, cancellationToken);
        if (request is null || request.AccountId != accountId || request.SupersededAt is not null)
        {
            return (null, invalid);
        }

        if (request.ConfirmedAt is not null)
        {
            return (null, ProfileProblems.EmailChangeTokenUsed.Result("This address change was already confirmed."));
        }

        var now = clock.GetUtcNow();
        if (now >= request.ExpiresAt)
        {
            return (null, ProfileProblems.EmailChangeTokenExpired.Result(
                "The confirmation link has expired; ask for the change again."));
        }

        var profile = await db.Profiles.FirstAsync(p => p.AccountId == accountId, cancellationToken);
        if (EmailConfirmation.Confirms(request, profile))
        {
            return await ConfirmCurrentAsync(db, profile, request, clock, cancellationToken);
        }

        var oldEmail = profile.Email;
        var changes = new ChangeSet(db, profile, "customer", accountId, clientAddress, now);
        changes.Set("email", profile.Email, request.NewEmail, () =>
        {
            profile.Email = request.NewEmail;
            profile.EmailConfirmed = true;
        });
        request.ConfirmedAt = now;
        profile.UpdatedAt = now;
        db.AddIntegrationEvent(
            new EmailChanged(Guid.CreateVersion7(), now, accountId, oldEmail,
                request.NewEmail, VersionInterceptor.VersionAfterSave(profile)),
            clock);
        db.AddIntegrationEvent(new ProfileUpdated(Guid.CreateVersion7(), now, accountId, ["email"]), clock);
        try
        {
            // The profile version guards the write: two confirmations of one link cannot both succeed.
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return (null, ProfileProblems.EmailChangeTokenUsed.Result("This address change was already confirmed."));
        }

        return (profile, null);
    }

    // A link for the address the account has: it is confirmed, nothing moves.
    private static async Task<(CustomerProfile? Profile, ProblemHttpResult? Problem)> ConfirmCurrentAsync(
        ProfileDbContext db, CustomerProfile profile, EmailChangeRequest request, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        request.ConfirmedAt = now;
        if (!profile.EmailConfirmed)
        {
            profile.EmailConfirmed = true;
            profile.UpdatedAt = now;
            db.AddIntegrationEvent(
                new EmailConfirmed(Guid.CreateVersion7(), now, profile.AccountId,
                    profile.Email, VersionInterceptor.VersionAfterSave(profile)),
                clock);
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return (null, ProfileProblems.EmailChangeTokenUsed.Result("This address was already confirmed."));
        }

        return (profile, null);
    }
}
