using System.Globalization;
using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Verification.Contracts;
using Introserv.Verification.Data;
using Introserv.Verification.Telephony;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Introserv.Verification.Challenges;

// Why a request was refused: a stable code, a sentence for people, and when to come back.
public sealed record Refusal(
    string Code, string Detail, string? Field = null, TimeSpan? RetryAfter = null, Guid? ChallengeId = null);

public sealed record ChallengeResult(Challenge? Challenge, Refusal? Refusal);

public sealed record ConfirmResult(
    string Outcome, int AttemptsRemaining, string? Phone = null, string? StepUpToken = null,
    DateTimeOffset? StepUpTokenExpiresAt = null);

// Starting, resending and confirming challenges: the rules, whoever asks (the public API or gRPC).
public sealed partial class ChallengeService(
    ChallengeStore store,
    SendGuard guard,
    StepUpTokens stepUpTokens,
    TelephonyDispatcher dispatcher,
    ICodeGenerator codes,
    CodeHasher hasher,
    VerificationDbContext db,
    IOptions<VerificationOptions> options,
    TimeProvider clock,
    ILogger<ChallengeService> logger)
{
    public const int OperationMaxLength = 64;

    private VerificationOptions Settings => options.Value;

    // clientAddress: the customer's address, for the per-address limit; null when unknown.
    // stepUpToken: for an account that confirms sensitive operations by call, replacing its verified phone with another
    // number needs a token for change_phone (spent here).
    public async Task<ChallengeResult> StartAsync(
        Guid accountId, string? purpose, string? operation, string? phoneInput, string? regionHint, string? channel,
        string? clientAddress, CancellationToken cancellationToken, string? stepUpToken = null)
    {
        if (purpose is null || !VerificationPurposes.All.Contains(purpose))
        {
            return Refuse(Problems.ValidationFailed, "purpose",
                $"Must be one of: {string.Join(", ", VerificationPurposes.All)}.");
        }

        if (channel is null || !VerificationChannels.All.Contains(channel))
        {
            return Refuse(Problems.ValidationFailed, "channel",
                $"Must be one of: {string.Join(", ", VerificationChannels.All)}.");
        }

        if (OperationError(purpose, operation) is { } operationError)
        {
            return Refuse(Problems.ValidationFailed, "operation", operationError);
        }

        ParsedPhone? phone;
        if (purpose == VerificationPurposes.Phone)
        {
            phone = PhoneNumberRules.Parse(phoneInput, regionHint);
            if (phone is null)
            {
                return Refuse(Problems.ValidationFailed, "phone",
                    "Not a valid phone number; use the international format, e.g. +35929876543.");
            }

            if (await PhoneChangeRefusalAsync(accountId, phone, stepUpToken, cancellationToken) is { } unconfirmed)
            {
                return new ChallengeResult(null, unconfirmed);
            }
        }
        else
        {
            if (!string.IsNullOrEmpty(phoneInput))
            {
                return Refuse(Problems.ValidationFailed, "phone",
                    "Leave empty: confirmation codes go to the account's verified phone.");
            }

            var verified = await db.VerifiedPhones
                .AsNoTracking()
                .FirstOrDefaultAsync(p => p.AccountId == accountId, cancellationToken);
            phone = verified is null ? null : PhoneNumberRules.Parse(verified.Phone);
            if (phone is null)
            {
                return new ChallengeResult(null, new Refusal(
                    Problems.NoVerifiedPhone, "The account has no verified phone number to send a code to."));
            }
        }

        if (await guard.BeforeStartAsync(accountId, phone, channel, clientAddress) is { } refusal)
        {
            return new ChallengeResult(null, refusal);
        }

        var now = clock.GetUtcNow();
        var delivery = channel == VerificationChannels.Sms
            ? Deliveries.Sms
            : phone.IsLandline ? Deliveries.VoiceCall : Deliveries.FlashCall;
        var challenge = new Challenge(
            Guid.CreateVersion7(), accountId, purpose,
            purpose == VerificationPurposes.SignIn ? VerificationPurposes.SignIn : operation,
            phone.E164, channel, delivery, ChallengeStatuses.Pending, 0, Settings.MaxAttempts, 1, now,
            now + Settings.CodeLifetime, now, false, null);
        var code = codes.Create(challenge.CodeLength);
        await store.CreateAsync(challenge, hasher.Hash(challenge.Id, code), now);
        LogStarted(logger, challenge.Id, accountId, purpose, delivery, phone.Masked);
        return await DeliverAsync(challenge, code, GatewayRoles.Primary, cancellationToken);
    }

    public async Task<ChallengeResult> ResendAsync(
        Guid accountId, Guid challengeId, bool otherGateway, CancellationToken cancellationToken)
    {
        var challenge = await store.GetAsync(challengeId);
        if (challenge is null || challenge.AccountId != accountId)
        {
            return new ChallengeResult(null, NotFound());
        }

        var now = clock.GetUtcNow();
        var cooldown = challenge.Delivered ? Settings.ResendCooldown : TimeSpan.Zero;
        var early = challenge.Status switch
        {
            ChallengeStatuses.Confirmed => ConfirmOutcomes.AlreadyUsed,
            ChallengeStatuses.Locked => ConfirmOutcomes.TooManyAttempts,
            _ when challenge.LastSentAt + cooldown > now => "too_soon",
            _ when challenge.Sends >= Settings.MaxSends => "max_sends",
            _ => "ok",
        };
        if (ResendRefusal(early, challenge.LastSentAt + cooldown - now) is { } earlyRefusal)
        {
            return new ChallengeResult(null, earlyRefusal);
        }

        var phone = PhoneNumberRules.Parse(challenge.Phone)
            ?? throw new InvalidOperationException($"Challenge {challengeId} holds an unreadable phone number.");
        if (await guard.BeforeSendAsync(phone, challenge.Channel) is { } sendRefusal)
        {
            return new ChallengeResult(null, sendRefusal);
        }

        // The checks above are a fast path; this claim is the one that counts when requests race.
        var code = codes.Create(challenge.CodeLength);
        var expiresAt = now + Settings.CodeLifetime;
        var (outcome, wait) = await store.ReserveSendAsync(
            challengeId, accountId, now, cooldown, Settings.MaxSends, hasher.Hash(challengeId, code), expiresAt);
        if (ResendRefusal(outcome, wait) is { } refusal)
        {
            return new ChallengeResult(null, refusal);
        }

        var firstRole = otherGateway
            ? GatewayRoles.Other(challenge.GatewayRole ?? GatewayRoles.Primary)
            : GatewayRoles.Primary;
        var resent = challenge with
        {
            Sends = challenge.Sends + 1,
            LastSentAt = now,
            ExpiresAt = expiresAt,
            Status = ChallengeStatuses.Pending
        };
        return await DeliverAsync(resent, code, firstRole, cancellationToken);
    }

    public async Task<ConfirmResult> ConfirmAsync(
        Guid accountId, Guid challengeId, string code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(code);
        var challenge = await store.GetAsync(challengeId);
        if (challenge is null || challenge.AccountId != accountId)
        {
            return new ConfirmResult(ConfirmOutcomes.NotFound, 0);
        }

        var (outcome, remaining) = await store.ConfirmAsync(
            challengeId, accountId, hasher.Hash(challengeId, code.Trim()), clock.GetUtcNow());
        if (outcome == ConfirmOutcomes.LockedNow)
        {
            await db.InTransactionAsync(_ =>
            {
                db.AddIntegrationEvent(new VerificationFailed(
                    Guid.CreateVersion7(), clock.GetUtcNow(), accountId, challengeId, challenge.Purpose,
                    challenge.Channel, "attempts_exhausted"), clock);
                return Task.FromResult(true);
            }, cancellationToken);
            LogLocked(logger, challengeId, accountId);
            return new ConfirmResult(ConfirmOutcomes.TooManyAttempts, 0);
        }

        if (outcome != ConfirmOutcomes.Confirmed)
        {
            return new ConfirmResult(outcome, remaining);
        }

        try
        {
            var result = challenge.Purpose == VerificationPurposes.Phone
                ? await RecordVerifiedPhoneAsync(challenge, cancellationToken)
                : await IssueStepUpTokenAsync(challenge);
            LogConfirmed(logger, challengeId, accountId, challenge.Purpose);
            return result;
        }
        catch
        {
            // The code was right but its effect could not be saved: let the customer try the same code again.
            await store.ReopenAsync(challengeId);
            throw;
        }
    }

    private async Task<ChallengeResult> DeliverAsync(
        Challenge challenge, string code, string firstRole, CancellationToken cancellationToken)
    {
        var message = new TelephonyMessage(challenge.Id, challenge.AccountId, challenge.Phone,
            challenge.Delivery, code, TextOf(challenge.Delivery, code), Settings.CodeLifetime);
        var role = await dispatcher.DeliverAsync(message, challenge.Channel, firstRole, cancellationToken);
        await store.RecordDeliveryAsync(challenge.Id, role is not null, role ?? challenge.GatewayRole);
        if (role is not null)
        {
            return new ChallengeResult(challenge with { Delivered = true, GatewayRole = role }, null);
        }

        await db.InTransactionAsync(_ =>
        {
            db.AddIntegrationEvent(new VerificationFailed(
                Guid.CreateVersion7(), clock.GetUtcNow(), challenge.AccountId, challenge.Id, challenge.Purpose,
                challenge.Channel, "delivery_failed"), clock);
            return Task.FromResult(true);
        }, cancellationToken);
        return new ChallengeResult(challenge with { Delivered = false }, new Refusal(
            Problems.DeliveryFailed,
            "No telephony gateway could deliver the code. " +
            "Ask for it again (another gateway is tried) or choose the other channel.",
            ChallengeId: challenge.Id));
    }

    // Null when the number may be verified; a step_up_required refusal when it would replace the verified phone of an
    // account that confirms sensitive operations by call and the request brought no valid change_phone token.
    private async Task<Refusal?> PhoneChangeRefusalAsync(
        Guid accountId, ParsedPhone phone, string? stepUpToken, CancellationToken cancellationToken)
    {
        var current = await db.VerifiedPhones
            .AsNoTracking()
            .FirstOrDefaultAsync(p => p.AccountId == accountId, cancellationToken);
        if (current is not { ConfirmByCall: true } || current.Phone == phone.E164)
        {
            return null;
        }

        var reason = string.IsNullOrEmpty(stepUpToken)
            ? null
            : await stepUpTokens.ConsumeAsync(accountId, ConfirmedOperations.ChangePhone, stepUpToken);
        return !string.IsNullOrEmpty(stepUpToken) && reason is null
            ? null
            : new Refusal(Problems.StepUpRequired,
                "This account confirms sensitive operations by call: confirm the change of phone with a step-up " +
                $"challenge for '{ConfirmedOperations.ChangePhone}' (it calls the verified phone) and send its token " +
                $"in the {ConfirmedOperations.Header} header" + (reason is null ? "." : $" (the token was {reason})."));
    }

    private async Task<ConfirmResult> RecordVerifiedPhoneAsync(Challenge challenge, CancellationToken cancellationToken)
    {
        await db.InTransactionAsync(async ct =>
        {
            var now = clock.GetUtcNow();
            var verified = await db.VerifiedPhones.FirstOrDefaultAsync(p => p.AccountId == challenge.AccountId, ct);
            if (verified is null)
            {
                db.VerifiedPhones.Add(
                    new VerifiedPhone
                    {
                        AccountId = challenge.AccountId,
                        Phone = challenge.Phone,
                        ChallengeId = challenge.Id,
                        VerifiedAt = now
                    });
            }
            else
            {
                verified.Phone = challenge.Phone;
                verified.ChallengeId = challenge.Id;
                verified.VerifiedAt = now;
            }

            db.AddIntegrationEvent(
                new PhoneVerified(
                    Guid.CreateVersion7(), now, challenge.AccountId, challenge.Phone, challenge.Id, challenge.Channel),
                clock);
            return true;
        }, cancellationToken);
        return new ConfirmResult(ConfirmOutcomes.Confirmed, 0, Phone: challenge.Phone);
    }

    private async Task<ConfirmResult> IssueStepUpTokenAsync(Challenge challenge)
    {
        var (token, expiresAt) = await stepUpTokens.IssueAsync(
            challenge.AccountId, challenge.Operation ?? challenge.Purpose, challenge.Id, Settings.StepUpTokenLifetime);
        return new ConfirmResult(ConfirmOutcomes.Confirmed, 0, StepUpToken: token, StepUpTokenExpiresAt: expiresAt);
    }

    private static Refusal? ResendRefusal(string outcome, TimeSpan wait) => outcome switch
    {
        "ok" => null,
        "too_soon" => new Refusal(
            Problems.ResendTooSoon, "A code was sent a moment ago; wait before asking for another.", RetryAfter: wait),
        "max_sends" => new Refusal(
            Problems.TooManyResends, "No more codes can be sent for this challenge; start a new one."),
        ConfirmOutcomes.AlreadyUsed => new Refusal(
            Problems.ChallengeAlreadyUsed, "This challenge is already confirmed."),
        ConfirmOutcomes.TooManyAttempts => new Refusal(
            Problems.ChallengeLocked, "Too many wrong codes; start a new challenge."),
        _ => NotFound(),
    };

    private static string? OperationError(string purpose, string? operation) => purpose switch
    {
        VerificationPurposes.StepUp when string.IsNullOrWhiteSpace(operation) =>
            "Name the operation the step-up confirms.",
        VerificationPurposes.StepUp when operation!.Length > OperationMaxLength
            || !operation.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '.' or ':' or '-')
            => $"Lower-case letters, digits and _ . : - only, at most {OperationMaxLength} characters.",
        VerificationPurposes.StepUp => null,
        _ when !string.IsNullOrEmpty(operation) => "Only a step-up challenge names an operation.",
        _ => null,
    };

    private string TextOf(string delivery, string code) => delivery switch
    {
        Deliveries.Sms => string.Create(CultureInfo.InvariantCulture,
            $"Introserv verification code: {code}. It expires in {
                Math.Ceiling(Settings.CodeLifetime.TotalMinutes)} minutes. Never share it."),
        Deliveries.VoiceCall =>
            $"Your Introserv verification code is {string.Join(", ", code.ToCharArray())}. " +
            $"Again: {string.Join(", ", code.ToCharArray())}.",
        _ => string.Empty, // a flash call carries the code in the calling number
    };

    private static ChallengeResult Refuse(string code, string field, string detail) =>
        new(null, new Refusal(code, detail, field));

    private static Refusal NotFound() => new(Problems.ChallengeNotFound, "No such challenge for this account.");

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Verification challenge {ChallengeId} for account {AccountId}: {Purpose} by {Delivery} to {Phone}")]
    private static partial void LogStarted(
        ILogger logger, Guid challengeId, Guid accountId, string purpose, string delivery, string phone);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Verification challenge {ChallengeId} for account {AccountId} confirmed ({Purpose})")]
    private static partial void LogConfirmed(ILogger logger, Guid challengeId, Guid accountId, string purpose);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Verification challenge {ChallengeId} for account {AccountId} locked after too many wrong codes")]
    private static partial void LogLocked(ILogger logger, Guid challengeId, Guid accountId);
}
