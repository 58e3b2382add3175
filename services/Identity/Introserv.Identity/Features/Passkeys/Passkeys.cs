using System.Text.Json;

namespace Introserv.Identity.Features.Passkeys;

// What a passkey ceremony's answer may be used for.
public static class PasskeyPurpose
{
    public const string Register = "register";
    public const string SignIn = "sign_in";
    public const string SecondFactor = "second_factor";
    public const string StepUp = "step_up";
}

// The options a browser passes to navigator.credentials (WebAuthn JSON), and the ceremony its answer must name.
public sealed record PasskeyOptions(Guid Ceremony, JsonElement Options);

// The outcome of checking a browser's answer: the account and passkey, or why not (a sentence for the customer).
public sealed record PasskeyCheck(Account? Account, UserPasskeyInfo? Passkey, string? Failure, bool CeremonyInvalid);

// Passkeys (WebAuthn) on top of ASP.NET Core Identity's passkey handler: ceremonies are kept server-side and taken
// once (PasskeyCeremony), so an answer cannot be replayed and one made for a sign-in cannot serve a step-up.
public sealed class Passkeys(
    IPasskeyHandler<Account> handler,
    UserManager<Account> users,
    IdentityServiceDbContext db,
    IHttpContextAccessor http,
    TimeProvider clock)
{
    public const int MaxPerAccount = 10;
    public const int NameMaxLength = 64;

    // The largest answer accepted (an attestation with a long certificate chain stays far below it).
    public const int CredentialMaxLength = 16 * 1024;

    public static readonly TimeSpan CeremonyLifetime = TimeSpan.FromMinutes(5);

    private HttpContext Context => http.HttpContext ?? throw new InvalidOperationException("No request.");

    public async Task<PasskeyOptions> CreationOptionsAsync(Account account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        var entity = new PasskeyUserEntity
        {
            Id = account.Id.ToString(),
            Name = account.UserName!,
            DisplayName = $"{account.FirstName} {account.LastName} ({account.UserName})",
        };
        var result = await handler.MakeCreationOptionsAsync(entity, Context);
        return await StartAsync(
            account.Id, PasskeyPurpose.Register, result.AttestationState, result.CreationOptionsJson,
            cancellationToken);
    }

    // Options for a sign-in (no account: any passkey of the site) or for one account's passkeys.
    public async Task<PasskeyOptions> RequestOptionsAsync(
        Account? account, string purpose, CancellationToken cancellationToken)
    {
        var result = await handler.MakeRequestOptionsAsync(account, Context);
        return await StartAsync(account?.Id, purpose, result.AssertionState, result.RequestOptionsJson,
            cancellationToken);
    }

    // Checks a registration answer for the account; the passkey is not stored yet.
    public async Task<PasskeyCheck> AttestAsync(
        Account account, Guid ceremony, string credentialJson, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (await TakeAsync(ceremony, account.Id, PasskeyPurpose.Register, cancellationToken) is not { } state)
        {
            return Expired();
        }

        var result = await handler.PerformAttestationAsync(new PasskeyAttestationContext
        {
            CredentialJson = credentialJson,
            AttestationState = state,
            HttpContext = Context,
        });
        if (!result.Succeeded)
        {
            return new PasskeyCheck(null, null, result.Failure.Message, false);
        }

        return result.UserEntity.Id == account.Id.ToString()
            ? new PasskeyCheck(account, result.Passkey, null, false)
            : new PasskeyCheck(null, null, "The passkey was made for another account.", false);
    }

    // Checks a sign-in or confirmation answer; with an account, the passkey must be one of its own. On success the
    // passkey's signature counter is stored.
    public async Task<PasskeyCheck> AssertAsync(
        Guid ceremony, string purpose, Account? account, string credentialJson, CancellationToken cancellationToken)
    {
        if (await TakeAsync(ceremony, account?.Id, purpose, cancellationToken) is not { } state)
        {
            return Expired();
        }

        var result = await handler.PerformAssertionAsync(new PasskeyAssertionContext
        {
            CredentialJson = credentialJson,
            AssertionState = state,
            HttpContext = Context,
        });
        if (!result.Succeeded)
        {
            return new PasskeyCheck(null, null, result.Failure.Message, false);
        }

        if (account is not null && result.User.Id != account.Id)
        {
            return new PasskeyCheck(null, null, "The passkey belongs to another account.", false);
        }

        var updated = await users.AddOrUpdatePasskeyAsync(result.User, result.Passkey);
        return updated.Succeeded
            ? new PasskeyCheck(result.User, result.Passkey, null, false)
            : new PasskeyCheck(null, null, "The passkey could not be recorded; try again.", false);
    }

    // The credential id a browser's answer names (to key its throttle before anything is checked), or null.
    public static string? CredentialIdOf(string credentialJson)
    {
        try
        {
            using var document = JsonDocument.Parse(credentialJson);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                    ? id.GetString()
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static PasskeyCheck Expired() => new(null, null,
        "The passkey request has expired or was already answered; start again.", true);

    private async Task<PasskeyOptions> StartAsync(
        Guid? accountId, string purpose, string? state, string optionsJson, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var ceremony = new PasskeyCeremony
        {
            Id = Guid.CreateVersion7(now),
            AccountId = accountId,
            Purpose = purpose,
            State = state ?? "",
            ExpiresAt = now + CeremonyLifetime,
        };
        db.PasskeyCeremonies.Add(ceremony);
        await db.SaveChangesAsync(cancellationToken);
        db.Entry(ceremony).State = EntityState.Detached;
        using var options = JsonDocument.Parse(optionsJson);
        return new PasskeyOptions(ceremony.Id, options.RootElement.Clone());
    }

    // The ceremony's state, deleting it: of two requests naming one ceremony, only one gets it.
    private async Task<string?> TakeAsync(
        Guid id, Guid? accountId, string purpose, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var ceremony = await db.PasskeyCeremonies.AsNoTracking()
            .FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (ceremony is null || ceremony.Purpose != purpose || ceremony.AccountId != accountId
            || ceremony.ExpiresAt <= now)
        {
            return null;
        }

        var taken = await db.PasskeyCeremonies.Where(c => c.Id == id).ExecuteDeleteAsync(cancellationToken);
        return taken == 1 ? ceremony.State : null;
    }
}
