using System.ComponentModel.DataAnnotations;
using Introserv.AllowList;
using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.Identity.Features.Registration;
using Introserv.Identity.Features.SignIn;

namespace Introserv.Identity.Features.Security;

// The support security code: 4 to 64 printable characters (spaces around it are dropped).
public sealed record SetSecurityCodeRequest(
    [property: RequiredValue,
        TextLength(SecuritySettings.SecurityCodeMinLength, SecuritySettings.SecurityCodeMaxLength)]
    string? Code) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var code = Code?.Trim() ?? "";
        if (code.Length < SecuritySettings.SecurityCodeMinLength || code.Any(char.IsControl))
        {
            yield return new ValidationResult(
                $"The security code is {SecuritySettings.SecurityCodeMinLength} to " +
                $"{SecuritySettings.SecurityCodeMaxLength} printable characters.",
                [nameof(Code)]);
        }
    }
}

// The whole allow-list (an empty list removes the restriction); each entry an address or a CIDR range.
public sealed record SetIpAllowListRequest(
    [property: RequiredValue(ErrorMessage = "Required (an empty list removes the restriction)."),
        MaxItems(IpAllowList.MaxEntries, ItemMaxLength = IpAllowList.MaxEntryLength), MaxLength(IpAllowList.MaxEntries)]
    IReadOnlyList<string?>? Entries,
    bool ConfirmLockOut = false) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Entries is null
            ? []
            : IpAllowList.Parse(Entries).Errors.Select(e => new ValidationResult(e.Message, [$"entries[{e.Index}]"]));
}

// The current password and the new one twice.
public sealed record ChangePasswordRequest(
    [property: RequiredValue, TextLength(RegistrationRules.PasswordMaxLength)] string? CurrentPassword,
    [property: RequiredValue, TextLength(RegistrationRules.PasswordMinLength, RegistrationRules.PasswordMaxLength),
        NotCommonPassword]
    string? NewPassword,
    [property: RequiredValue, TextLength(RegistrationRules.PasswordMaxLength)]
    string? ConfirmPassword) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        RegistrationRules.Confirmation(NewPassword, ConfirmPassword);
}

// The sensitive settings: security code, IP allow-list, password. Each needs a step-up.
public static class SecuritySettings
{
    public const int SecurityCodeMinLength = 4;
    public const int SecurityCodeMaxLength = 64;
    public const int PasswordHistoryDepth = 5;

    public static async Task<Results<NoContent, ProblemHttpResult>> SetSecurityCodeAsync(
        SetSecurityCodeRequest request, [AsParameters] SecurityCall call, IPasswordHasher<Account> hasher)
    {
        ArgumentNullException.ThrowIfNull(call);
        var (user, context, db, stepUp, clock, cancellationToken) = call;
        var code = request.Code!.Trim();
        var account = await db.FindAccountAsync(user, cancellationToken);
        if (account is null)
        {
            return AccountContext.AccountGone();
        }

        if (account.SecurityCodeHash is not null)
        {
            return AlreadySet();
        }

        if (await stepUp.RequireAsync(user, account, ConfirmedOperations.SetSecurityCode, cancellationToken)
            is { } problem)
        {
            return problem;
        }

        var hash = hasher.HashPassword(account, code);
        var now = clock.GetUtcNow();
        var set = await db.InTransactionAsync(async ct =>
        {
            // Write-once, decided by the database: two concurrent requests cannot both set it.
            var updated = await db.Users
                .Where(a => a.Id == account.Id && a.SecurityCodeHash == null)
                .ExecuteUpdateAsync(
                    u => u.SetProperty(a => a.SecurityCodeHash, hash).SetProperty(a => a.SecurityCodeSetAt, now), ct);
            if (updated == 1)
            {
                Audit.Record(db, account.Id, context, clock, "security_code_set", "Support security code set");
                db.AddIntegrationEvent(
                    new SecurityCodeSet(Guid.CreateVersion7(now), now, account.Id, context.ClientAddressText()), clock);
            }

            return updated == 1;
        }, cancellationToken);
        return set ? TypedResults.NoContent() : AlreadySet();
    }

    private static ProblemHttpResult AlreadySet() => IdentityProblems.SecurityCodeAlreadySet.Result(
        "The security code can be set only once. To change it, contact support.");

    public static async Task<Results<Ok<AllowListState>, ProblemHttpResult>> SetIpAllowListAsync(
        SetIpAllowListRequest request, [AsParameters] SecurityCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var (user, context, db, stepUp, clock, cancellationToken) = call;
        // Validation has refused a list with a malformed entry.
        var parsed = IpAllowList.Parse(request.Entries!);

        var account = await db.FindAccountAsync(user, cancellationToken);
        if (account is null)
        {
            return AccountContext.AccountGone();
        }

        // Checked before the step-up: a confirmation token is spent by the step-up check.
        var caller = context.ClientAddress();
        var matcher = IpAllowListMatcher.Create(parsed.Ranges);
        if (!matcher.Allows(caller) && !request.ConfirmLockOut)
        {
            return IdentityProblems.WouldLockOut.Result(
                $"Your current address {context.ClientAddressText()} is not in the list, so you would lose access. " +
                "Add it, or send confirmLockOut: true to save the list anyway.",
                new Dictionary<string, object?> { ["callerAddress"] = context.ClientAddressText() });
        }

        if (await stepUp.RequireAsync(user, account, ConfirmedOperations.ChangeIpAllowList, cancellationToken)
            is { } problem)
        {
            return problem;
        }

        var entries = parsed.Entries.Distinct(StringComparer.Ordinal).ToList();
        var state = await db.InTransactionAsync(async ct =>
        {
            // The row lock serialises concurrent changes: each commits its own version, strictly increasing.
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"SELECT 1 FROM \"AspNetUsers\" WHERE \"Id\" = {account.Id} FOR UPDATE", ct);
            var tracked = await db.Users.FirstAsync(a => a.Id == account.Id, ct);
            tracked.IpAllowList = entries;
            tracked.IpAllowListVersion++;
            var now = clock.GetUtcNow();
            Audit.Record(db, tracked.Id, context, clock, "ip_allow_list_changed",
                entries.Count == 0
                    ? "IP allow-list removed (no restriction)"
                    : $"IP allow-list set to: {string.Join(", ", entries)}");
            db.AddIntegrationEvent(
                new IpAllowListChanged(Guid.CreateVersion7(now), now, tracked.Id, entries, tracked.IpAllowListVersion),
                clock);
            // The other replicas forget their copy when this commits.
            await EntryChangeNotices.SendAsync(db.Database, EntryChangeNotices.AllowList(tracked.Id), ct);
            return new AllowListState(entries, tracked.IpAllowListVersion);
        }, cancellationToken);
        context.RequestServices.GetRequiredService<AccountAllowLists>().Forget(account.Id);
        return TypedResults.Ok(state);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> ChangePasswordAsync(
        ChangePasswordRequest request, [AsParameters] SecurityCall call, [AsParameters] PasswordServices passwords,
        LoginThrottle throttle)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(passwords);
        var (user, context, db, stepUp, clock, cancellationToken) = call;
        var (users, hasher, commonPasswords, authorizations, tokens) = passwords;
        var account = await db.FindAccountAsync(user, cancellationToken);
        if (account is null)
        {
            return AccountContext.AccountGone();
        }

        // Validation has checked the shape; these rules need the account's login.
        if (RegistrationRules.CheckPassword(request.NewPassword, account.UserName!, commonPasswords) is { } weak)
        {
            return FieldError.Result("newPassword", weak);
        }

        if (await stepUp.RequireAsync(user, account, ConfirmedOperations.ChangePassword, cancellationToken)
            is { } problem)
        {
            return problem;
        }

        // The current password is a guessable secret: this check is throttled like a sign-in.
        var attempt = await throttle.BeginAsync(
            account.UserName!, account.Id, context, LoginOutcome.InvalidCredentials, cancellationToken);
        if (attempt.RetryAfter is { } wait)
        {
            return IdentityProblems.TooMany(context, wait);
        }

        if (!await users.CheckPasswordAsync(account, request.CurrentPassword!))
        {
            return IdentityProblems.CurrentPasswordIncorrect.Result("The current password is incorrect.");
        }

        await throttle.ForgetAsync(attempt, cancellationToken);
        var previous = await db.PasswordHistory
            .Where(p => p.AccountId == account.Id)
            .OrderByDescending(p => p.CreatedAt)
            .Take(PasswordHistoryDepth - 1)
            .Select(p => p.PasswordHash)
            .ToListAsync(cancellationToken);
        if (request.NewPassword == request.CurrentPassword
            || previous.Any(hash =>
                hasher.VerifyHashedPassword(account, hash, request.NewPassword!) != PasswordVerificationResult.Failed))
        {
            return IdentityProblems.PasswordReused.Result(
                $"Choose a password you have not used for your last {PasswordHistoryDepth} passwords.");
        }

        var newHash = hasher.HashPassword(account, request.NewPassword!);
        await db.InTransactionAsync(async ct =>
        {
            var tracked = await db.Users.FirstAsync(a => a.Id == account.Id, ct);
            var now = clock.GetUtcNow();
            db.PasswordHistory.Add(
                new PasswordHistoryEntry
                {
                    AccountId = tracked.Id,
                    PasswordHash = tracked.PasswordHash!,
                    CreatedAt = now
                });
            tracked.PasswordHash = newHash;
            tracked.SecurityStamp = Guid.NewGuid().ToString("N");
            tracked.ConcurrencyStamp = Guid.NewGuid().ToString();
            await db.SaveChangesAsync(ct);
            var count = await SecurityEndpoints.RevokeOthersAsync(db, authorizations, tokens, clock, user, ct);
            Audit.Record(db, tracked.Id, context, clock, "password_changed",
                $"Password changed; {count} other session(s) revoked");
            db.AddIntegrationEvent(
                new PasswordChanged(Guid.CreateVersion7(now), now, tracked.Id, context.ClientAddressText()), clock);
            return count;
        }, cancellationToken);
        return TypedResults.NoContent();
    }
}
