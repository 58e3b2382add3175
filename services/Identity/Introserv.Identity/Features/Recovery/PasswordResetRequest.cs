using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.Identity.Features.Security;
using Microsoft.AspNetCore.WebUtilities;

namespace Introserv.Identity.Features.Recovery;

// Exactly one of the login and the email address.
public sealed record PasswordResetRequestBody(
    [property: TextLength(PasswordResetRequest.MaxInputLength)] string? Login = null,
    [property: TextLength(PasswordResetRequest.MaxInputLength)] string? Email = null) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(Login) == string.IsNullOrWhiteSpace(Email))
        {
            yield return new ValidationResult("Give the login or the email address (one of them).",
                [string.IsNullOrWhiteSpace(Email) ? nameof(Login) : nameof(Email)]);
        }
    }
}

public sealed record PasswordResetAccepted(string Message);

// "Forgot password?": the answer is the same whether an account matched or not. An account with a confirmed address
// gets a link with a single-use token (256 random bits, kept as SHA-256, 30 minutes) at that address; a newer request
// voids older links. At most PerAddressPerHour requests an hour from one client address (429, whatever was asked) and
// PerAccountPerHour links an hour to one account (further requests are answered the same and send nothing).
public static class PasswordResetRequest
{
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(30);
    public const int PerAddressPerHour = 10;
    public const int PerAccountPerHour = 3;
    public const int MaxInputLength = 256;

    public static readonly PasswordResetAccepted Accepted =
        new(
            "If an account with a confirmed email address matches, " +
            "a link to set a new password is on its way to that address.");

    public static IEndpointRouteBuilder MapPasswordResetEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/accounts/password-reset", HandleAsync)
            .AllowAnonymous()
            .WithTags("Account recovery")
            .WithSummary("Ask for a link to set a new password, by login or by email (exactly one)")
            .WithDescription(
                "202 whether or not an account matched; too_many_password_reset_requests counts per client address.")
            .Produces<PasswordResetAccepted>(StatusCodes.Status202Accepted)
            .Problems(IdentityProblems.TooManyPasswordResetRequests);
        endpoints.MapPost("/api/accounts/password-reset/confirm", PasswordResetConfirm.HandleAsync)
            .AllowAnonymous()
            .WithTags("Account recovery")
            .WithSummary("Set a new password with the token from the link; every session of the account ends")
            .Produces(StatusCodes.Status204NoContent)
            .Problems(IdentityProblems.PasswordResetTokenInvalid, IdentityProblems.PasswordReused,
                IdentityProblems.PasswordResetTokenUsed, IdentityProblems.PasswordResetTokenExpired);
        return endpoints;
    }

    public static string HashOf(string token) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static async Task<Results<Accepted<PasswordResetAccepted>, ProblemHttpResult>> HandleAsync(
        PasswordResetRequestBody body, HttpContext context, IdentityServiceDbContext db, ILookupNormalizer normalizer,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var login = string.IsNullOrWhiteSpace(body.Login) ? null : body.Login.Trim();
        var email = string.IsNullOrWhiteSpace(body.Email) ? null : body.Email.Trim();
        var from = context.ClientAddressText();
        var account = login is not null
            ? await db.Users
                .AsNoTracking()
                .FirstOrDefaultAsync(a => a.NormalizedUserName == normalizer.NormalizeName(login), cancellationToken)
            : await db.Users
                .AsNoTracking()
                .FirstOrDefaultAsync(a => a.NormalizedEmail == normalizer.NormalizeEmail(email), cancellationToken);
        var allowed = await db.InTransactionAsync(
            ct => RecordAsync(db, context, clock, from, account, ct), cancellationToken);
        if (!allowed)
        {
            context.Response.Headers.RetryAfter = "3600";
            return IdentityProblems.TooManyPasswordResetRequests.Result(
                $"At most {PerAddressPerHour} password resets may be asked for in an hour from one address.");
        }

        return TypedResults.Accepted((string?)null, Accepted);
    }

    // Counted and written under advisory locks on the address and the account, so parallel requests cannot pass a
    // limit.
    private static async Task<bool> RecordAsync(
        IdentityServiceDbContext db, HttpContext context, TimeProvider clock, string from, Account? account,
        CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"SELECT pg_advisory_xact_lock(hashtext({"password-reset:" + from}))", cancellationToken);
        var now = clock.GetUtcNow();
        if (await db.PasswordResets.CountAsync(
            r => r.RequestedFrom == from && r.RequestedAt > now.AddHours(-1), cancellationToken) >= PerAddressPerHour)
        {
            return false;
        }

        var reset = new PasswordReset { Id = Guid.CreateVersion7(now), RequestedAt = now, RequestedFrom = from };
        db.PasswordResets.Add(reset);
        if (account is { EmailConfirmed: true, Email: not null })
        {
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"SELECT pg_advisory_xact_lock(hashtext({"password-reset:" + account.Id}))", cancellationToken);
            if (await db.PasswordResets.CountAsync(
                r => r.AccountId == account.Id && r.RequestedAt > now.AddHours(-1),
                cancellationToken) < PerAccountPerHour)
            {
                await db.PasswordResets.Where(r => r.AccountId == account.Id && r.UsedAt == null && r.VoidedAt == null)
                    .ExecuteUpdateAsync(r => r.SetProperty(x => x.VoidedAt, now), cancellationToken);
                var token = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
                reset.AccountId = account.Id;
                reset.TokenHash = HashOf(token);
                reset.ExpiresAt = now + TokenLifetime;
                db.AddIntegrationEvent(
                    new PasswordResetRequested(
                        Guid.CreateVersion7(now), now, account.Id, account.Email, token, reset.ExpiresAt.Value, from),
                    clock);
                Audit.Record(db, account.Id, context, clock, "password_reset_requested",
                    "A link to set a new password was mailed to the account address");
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        return true;
    }
}
