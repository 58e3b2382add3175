using System.ComponentModel.DataAnnotations;
using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.Identity.Features.Registration;
using Introserv.Identity.Features.Security;
using Introserv.Identity.Features.SignIn;
using OpenIddict.Abstractions;

namespace Introserv.Identity.Features.Recovery;

// The token from the link and the new password twice.
public sealed record PasswordResetConfirmBody(
    [property: TextLength(PasswordResetConfirm.MaxTokenLength)] string? Token,
    [property: RequiredValue, TextLength(RegistrationRules.PasswordMinLength, RegistrationRules.PasswordMaxLength),
        NotCommonPassword]
    string? NewPassword,
    [property: RequiredValue, TextLength(RegistrationRules.PasswordMaxLength)]
    string? ConfirmPassword) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        RegistrationRules.Confirmation(NewPassword, ConfirmPassword);
}

// Sets a new password with a reset link's token, under the same rules as a change (not one of the last five), then
// ends every session and refresh token of the account, voids its other links, mails a notice (PasswordChanged) and
// writes an audit entry. The token works once: of two parallel uses, one sets the password and the other is told
// the link was used. The allow-list does not apply here (a customer locked out may reset from anywhere), but
// sign-in from an address outside it stays refused.
public static class PasswordResetConfirm
{
    public const int MaxTokenLength = 100;

    private enum Outcome { Reset, Used }

    public static async Task<Results<NoContent, ProblemHttpResult>> HandleAsync(
        PasswordResetConfirmBody body, HttpContext context, IdentityServiceDbContext db,
        [AsParameters] PasswordServices passwords, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(passwords);
        var (_, hasher, commonPasswords, authorizations, tokens) = passwords;
        var invalid = IdentityProblems.PasswordResetTokenInvalid.Result(
            "This link to set a new password is not valid (a newer one may have replaced it); ask for a new one.");
        var token = body.Token?.Trim();
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return invalid;
        }

        var hash = PasswordResetRequest.HashOf(token);
        var reset = await db.PasswordResets
            .AsNoTracking()
            .FirstOrDefaultAsync(r => r.TokenHash == hash, cancellationToken);
        var account = reset?.AccountId is { } accountId
            ? await db.Users.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken)
            : null;
        if (reset is null || account is null || (reset.VoidedAt is not null && reset.UsedAt is null))
        {
            return invalid;
        }

        if (reset.UsedAt is not null)
        {
            return Used();
        }

        if (clock.GetUtcNow() >= reset.ExpiresAt)
        {
            return IdentityProblems.PasswordResetTokenExpired.Result("The link has expired; ask for a new one.");
        }

        // Validation has checked the shape; these rules need the account's login.
        if (RegistrationRules.CheckPassword(body.NewPassword, account.UserName!, commonPasswords) is { } weak)
        {
            return FieldError.Result("newPassword", weak);
        }

        var previous = await db.PasswordHistory.Where(p => p.AccountId == account.Id)
            .OrderByDescending(p => p.CreatedAt)
            .Take(SecuritySettings.PasswordHistoryDepth - 1).Select(p => p.PasswordHash).ToListAsync(cancellationToken);
        if (previous.Append(account.PasswordHash).OfType<string>()
            .Any(old =>
                hasher.VerifyHashedPassword(account, old, body.NewPassword!) != PasswordVerificationResult.Failed))
        {
            return IdentityProblems.PasswordReused.Result(
                $"Choose a password you have not used for your last " +
                $"{SecuritySettings.PasswordHistoryDepth} passwords.");
        }

        var newHash = hasher.HashPassword(account, body.NewPassword!);
        var outcome = await db.InTransactionAsync(
            ct => ApplyAsync(db, reset.Id, account.Id, newHash, context, authorizations, tokens, clock, ct),
            CancellationToken.None);
        return outcome == Outcome.Used ? Used() : TypedResults.NoContent();
    }

    private static async Task<Outcome> ApplyAsync(
        IdentityServiceDbContext db, Guid resetId, Guid accountId, string newHash, HttpContext context,
        IOpenIddictAuthorizationManager authorizations, IOpenIddictTokenManager tokens, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        var now = clock.GetUtcNow();
        // Taking the token is the first write: a parallel use of the same link finds it taken and changes nothing.
        if (await db.PasswordResets.Where(r => r.Id == resetId && r.UsedAt == null && r.VoidedAt == null)
                .ExecuteUpdateAsync(r => r.SetProperty(x => x.UsedAt, now), cancellationToken) == 0)
        {
            return Outcome.Used;
        }

        await db.PasswordResets.Where(r => r.AccountId == accountId && r.UsedAt == null && r.VoidedAt == null)
            .ExecuteUpdateAsync(r => r.SetProperty(x => x.VoidedAt, now), cancellationToken);
        var account = await db.Users.FirstAsync(a => a.Id == accountId, cancellationToken);
        db.PasswordHistory.Add(
            new PasswordHistoryEntry { AccountId = account.Id, PasswordHash = account.PasswordHash!, CreatedAt = now });
        account.PasswordHash = newHash;
        account.SecurityStamp = Guid.NewGuid().ToString("N");
        account.ConcurrencyStamp = Guid.NewGuid().ToString();
        await db.SaveChangesAsync(cancellationToken);
        var sessions = await db.Sessions
            .Where(s => s.AccountId == accountId && s.RevokedAt == null)
            .Select(s => s.Id)
            .ToListAsync(cancellationToken);
        var revoked = await SessionRevocation.RevokeAsync(
            db, authorizations, tokens, clock, accountId.ToString(), sessions, cancellationToken);
        Audit.Record(db, accountId, context, clock, "password_reset",
            $"Password set through a reset link; {revoked} session(s) ended");
        db.AddIntegrationEvent(
            new PasswordChanged(Guid.CreateVersion7(now), now, accountId, context.ClientAddressText()), clock);
        await db.SaveChangesAsync(cancellationToken);
        return Outcome.Reset;
    }

    private static ProblemHttpResult Used() =>
        IdentityProblems.PasswordResetTokenUsed.Result(
            "This link has set a password already; ask for a new one if you need to.");
}
