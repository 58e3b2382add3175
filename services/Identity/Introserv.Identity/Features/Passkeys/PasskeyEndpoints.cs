using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.Identity.Features.Security;
using Microsoft.AspNetCore.WebUtilities;

namespace Introserv.Identity.Features.Passkeys;

public sealed record PasskeyView(
    string Id, string Name, DateTimeOffset CreatedAt, bool BackedUp, IReadOnlyList<string> Transports);

public sealed record PasskeyList(IReadOnlyList<PasskeyView> Items);

// A browser's answer to a ceremony: the ceremony id its options came with, and PublicKeyCredential.toJSON().
public sealed record PasskeyAnswer(
    [property: Required] Guid? Ceremony,
    [property: Required] JsonElement? Credential);

public sealed record RegisterPasskeyRequest(
    [property: Required] Guid? Ceremony,
    [property: Required] JsonElement? Credential,
    [property: TextLength(Passkeys.NameMaxLength)] string? Name = null);

public sealed record RenamePasskeyRequest(
    [property: Required, TextLength(1, Passkeys.NameMaxLength)] string? Name);

// The account's passkeys (/api/account/passkeys): list, register (options, then the browser's answer), rename,
// remove. Registering and removing one changes how the account signs in, so both need a step-up (operation
// change_two_factor, by call when the account confirms operations by call).
public static class PasskeyEndpoints
{
    public static RouteGroupBuilder MapPasskeyEndpoints(this RouteGroupBuilder account)
    {
        ArgumentNullException.ThrowIfNull(account);
        var passkeys = account.MapGroup("/passkeys").WithTags("Passkeys");
        passkeys.MapGet("", ListAsync).WithName("ListPasskeys").WithSummary("The account's passkeys");
        passkeys.MapPost("/options", CreationOptionsAsync).WithName("PasskeyCreationOptions")
            .WithSummary("Start registering a passkey: the options for navigator.credentials.create() " +
                "(PublicKeyCredential.parseCreationOptionsFromJSON) and the ceremony id (5 minutes, one answer)")
            .Problems(IdentityProblems.TooManyPasskeys);
        passkeys.MapPost("", RegisterAsync).WithName("RegisterPasskey")
            .WithSummary("Register the passkey the browser created (its PublicKeyCredential.toJSON())")
            .Produces<PasskeyView>(StatusCodes.Status201Created)
            .Problems([.. IdentityProblems.Sensitive, IdentityProblems.PasskeyRejected,
                IdentityProblems.PasskeyCeremonyInvalid, IdentityProblems.PasskeyExists,
                IdentityProblems.TooManyPasskeys]);
        passkeys.MapPatch("/{id}", RenameAsync).WithName("RenamePasskey").WithSummary("Rename a passkey")
            .Problems(IdentityProblems.PasskeyNotFound);
        passkeys.MapDelete("/{id}", RemoveAsync).WithName("RemovePasskey").WithSummary("Remove a passkey")
            .Problems([.. IdentityProblems.Sensitive, IdentityProblems.PasskeyNotFound]);
        account.MapPost("/step-up/passkey-options", StepUpOptionsAsync).WithName("StepUpPasskeyOptions")
            .WithSummary("Start a step-up with a passkey: options for navigator.credentials.get() and the ceremony " +
                "id to send back in POST step-up { passkey }")
            .Problems(IdentityProblems.PasskeyNotFound);
        return account;
    }

    private static async Task<Results<Ok<PasskeyList>, ProblemHttpResult>> ListAsync(
        [AsParameters] SecurityCall call, UserManager<Account> users)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (await call.Db.FindAccountAsync(call.User, call.Aborted) is not { } account)
        {
            return AccountContext.AccountGone();
        }

        var list = await users.GetPasskeysAsync(account);
        return TypedResults.Ok(new PasskeyList(
            [.. list.OrderBy(p => p.CreatedAt).Select(View)]));
    }

    private static async Task<Results<Ok<PasskeyOptions>, ProblemHttpResult>> CreationOptionsAsync(
        [AsParameters] SecurityCall call, Passkeys passkeys)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (await call.Db.FindAccountAsync(call.User, call.Aborted) is not { } account)
        {
            return AccountContext.AccountGone();
        }

        if (account.PasskeyCount >= Passkeys.MaxPerAccount)
        {
            return TooMany();
        }

        return TypedResults.Ok(await passkeys.CreationOptionsAsync(account, call.Aborted));
    }

    private static async Task<Results<Created<PasskeyView>, ProblemHttpResult>> RegisterAsync(
        RegisterPasskeyRequest request, [AsParameters] SecurityCall call, Passkeys passkeys,
        UserManager<Account> users)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(call);
        var (user, context, db, stepUp, clock, cancellationToken) = call;
        var credential = request.Credential!.Value.GetRawText();
        if (credential.Length > Passkeys.CredentialMaxLength)
        {
            return IdentityProblems.PasskeyRejected.Result("The passkey answer is too large.");
        }

        if (await db.FindAccountAsync(user, cancellationToken) is not { } account)
        {
            return AccountContext.AccountGone();
        }

        if (account.PasskeyCount >= Passkeys.MaxPerAccount)
        {
            return TooMany();
        }

        if (await stepUp.RequireAsync(user, account, ConfirmedOperations.ChangeTwoFactor, cancellationToken)
            is { } refused)
        {
            return refused;
        }

        var check = await passkeys.AttestAsync(account, request.Ceremony!.Value, credential, cancellationToken);
        if (check.Passkey is not { } passkey)
        {
            return Refused(check);
        }

        if (await users.FindByPasskeyIdAsync(passkey.CredentialId) is not null)
        {
            return IdentityProblems.PasskeyExists.Result("This passkey is registered already.");
        }

        passkey.Name = string.IsNullOrWhiteSpace(request.Name) ? DefaultName(passkey) : request.Name.Trim();
        account.PasskeyCount = (await users.GetPasskeysAsync(account)).Count + 1;
        var now = clock.GetUtcNow();
        Audit.Record(db, account.Id, context, clock, "passkey_added", $"Passkey added: {passkey.Name}");
        db.AddIntegrationEvent(
            new TwoFactorChanged(Guid.CreateVersion7(now), now, account.Id, true, context.ClientAddressText(),
                Method: PasskeyMethod.MethodName),
            clock);
        var saved = await users.AddOrUpdatePasskeyAsync(account, passkey);
        if (!saved.Succeeded)
        {
            return IdentityProblems.PasskeyRejected.Result(
                "The account changed at the same time; start the registration again.");
        }

        var view = View(passkey);
        return TypedResults.Created($"/api/account/passkeys/{view.Id}", view);
    }

    private static async Task<Results<Ok<PasskeyView>, ProblemHttpResult>> RenameAsync(
        string id, RenamePasskeyRequest request, [AsParameters] SecurityCall call, UserManager<Account> users)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(call);
        if (await call.Db.FindAccountAsync(call.User, call.Aborted) is not { } account)
        {
            return AccountContext.AccountGone();
        }

        if (IdOf(id) is not { } credentialId || await users.GetPasskeyAsync(account, credentialId) is not { } passkey)
        {
            return NotFound();
        }

        passkey.Name = request.Name!.Trim();
        await users.AddOrUpdatePasskeyAsync(account, passkey);
        return TypedResults.Ok(View(passkey));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveAsync(
        string id, [AsParameters] SecurityCall call, UserManager<Account> users)
    {
        ArgumentNullException.ThrowIfNull(call);
        var (user, context, db, stepUp, clock, cancellationToken) = call;
        if (await db.FindAccountAsync(user, cancellationToken) is not { } account)
        {
            return AccountContext.AccountGone();
        }

        if (IdOf(id) is not { } credentialId || await users.GetPasskeyAsync(account, credentialId) is not { } passkey)
        {
            return NotFound();
        }

        if (await stepUp.RequireAsync(user, account, ConfirmedOperations.ChangeTwoFactor, cancellationToken)
            is { } refused)
        {
            return refused;
        }

        account.PasskeyCount = Math.Max(0, (await users.GetPasskeysAsync(account)).Count - 1);
        var now = clock.GetUtcNow();
        Audit.Record(db, account.Id, context, clock, "passkey_removed", $"Passkey removed: {passkey.Name}");
        db.AddIntegrationEvent(
            new TwoFactorChanged(Guid.CreateVersion7(now), now, account.Id, false, context.ClientAddressText(),
                Method: PasskeyMethod.MethodName),
            clock);
        var removed = await users.RemovePasskeyAsync(account, credentialId);
        return removed.Succeeded
            ? TypedResults.NoContent()
            : NotFound();
    }

    private static async Task<Results<Ok<PasskeyOptions>, ProblemHttpResult>> StepUpOptionsAsync(
        [AsParameters] SecurityCall call, Passkeys passkeys)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (await call.Db.FindAccountAsync(call.User, call.Aborted) is not { } account)
        {
            return AccountContext.AccountGone();
        }

        if (account.PasskeyCount == 0)
        {
            return IdentityProblems.PasskeyNotFound.Result("The account has no passkey.");
        }

        return TypedResults.Ok(await passkeys.RequestOptionsAsync(account, PasskeyPurpose.StepUp, call.Aborted));
    }

    // A refused answer: 400 passkey_ceremony_invalid (expired, used, someone else's) or passkey_rejected.
    public static ProblemHttpResult Refused(PasskeyCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        return check.CeremonyInvalid
            ? IdentityProblems.PasskeyCeremonyInvalid.Result(check.Failure ?? "Start again.")
            : IdentityProblems.PasskeyRejected.Result($"The passkey was not accepted: {check.Failure}");
    }

    private static ProblemHttpResult TooMany() => IdentityProblems.TooManyPasskeys.Result(
        $"An account can have at most {Passkeys.MaxPerAccount} passkeys; remove one first.");

    private static ProblemHttpResult NotFound() =>
        IdentityProblems.PasskeyNotFound.Result("The account has no passkey with this id.");

    private static PasskeyView View(UserPasskeyInfo passkey) => new(
        WebEncoders.Base64UrlEncode(passkey.CredentialId),
        passkey.Name ?? DefaultName(passkey),
        passkey.CreatedAt,
        passkey.IsBackedUp,
        passkey.Transports ?? []);

    private static string DefaultName(UserPasskeyInfo passkey) =>
        $"Passkey added {passkey.CreatedAt:yyyy-MM-dd}";

    private static byte[]? IdOf(string id)
    {
        if (id.Length is 0 or > 512)
        {
            return null;
        }

        try
        {
            return WebEncoders.Base64UrlDecode(id);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
