using System.Diagnostics;
using Introserv.Verification.Data;
using Microsoft.Extensions.Options;

namespace Introserv.Verification.Telephony;

// Sends a message through the channel's gateways: the primary first (or the other one than last time, when the
// customer asks for another gateway), then the remaining one when the first fails or does not answer in time.
// Every attempt is written to the attempt log and the service log, without the code.
public sealed partial class TelephonyDispatcher(
    HttpTelephonyGateway gateway,
    IOptionsMonitor<TelephonyOptions> settings,
    VerificationDbContext db,
    TimeProvider clock,
    ILogger<TelephonyDispatcher> logger)
{
    // The role that delivered, or null when none did.
    public async Task<string?> DeliverAsync(
        TelephonyMessage message, string channel, string firstRole, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var gateways = settings.CurrentValue.For(channel);
        foreach (var role in new[] { firstRole, GatewayRoles.Other(firstRole) })
        {
            var configured = role == GatewayRoles.Primary ? gateways.Primary : gateways.Secondary;
            if (configured?.Url is null)
            {
                continue;
            }

            var started = Stopwatch.GetTimestamp();
            var result = await gateway.SendAsync(configured, message, cancellationToken);
            var latency = (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            await RecordAsync(message, role, configured.Name, result, latency, cancellationToken);
            if (result.Delivered)
            {
                return role;
            }
        }

        return null;
    }

    private async Task RecordAsync(
        TelephonyMessage message, string role, string name, GatewayResult result, int latency,
        CancellationToken cancellationToken)
    {
        var masked = Challenges.PhoneNumberRules.Mask(message.To);
        if (result.Delivered)
        {
            LogDelivered(logger, message.Delivery, masked, message.ChallengeId, role, name, latency);
        }
        else
        {
            LogFailed(logger, message.Delivery, masked, message.ChallengeId,
                role, name, result.Outcome, result.Error, latency);
        }

        db.GatewayAttempts.Add(new GatewayAttempt
        {
            ChallengeId = message.ChallengeId,
            AccountId = message.AccountId,
            Delivery = message.Delivery,
            MaskedPhone = masked,
            GatewayRole = role,
            GatewayName = name,
            Outcome = result.Outcome,
            HttpStatus = result.HttpStatus,
            LatencyMs = latency,
            Error = result.Error is { Length: > GatewayAttempt.ErrorMaxLength } text
                ? text[..GatewayAttempt.ErrorMaxLength]
                : result.Error,
            At = clock.GetUtcNow(),
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (Exception error)
            when (error is Microsoft.EntityFrameworkCore.DbUpdateException or InvalidOperationException
                or TimeoutException)
        {
            // The message went (or not) either way; losing a support record must not fail the customer's request.
            db.ChangeTracker.Clear();
            LogNotRecorded(logger, message.ChallengeId, error);
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Verification {Delivery} to {Phone} for challenge {ChallengeId} delivered by the {Role} gateway " +
            "{Gateway} in {LatencyMs} ms")]
    private static partial void LogDelivered(
        ILogger logger, string delivery, string phone, Guid challengeId, string role, string gateway, int latencyMs);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Verification {Delivery} to {Phone} for challenge {ChallengeId} failed on the {Role} gateway " +
            "{Gateway}: {Outcome} ({Error}) after {LatencyMs} ms")]
    private static partial void LogFailed(
        ILogger logger, string delivery, string phone, Guid challengeId, string role, string gateway, string outcome,
        string? error, int latencyMs);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "The gateway attempt of challenge {ChallengeId} could not be recorded")]
    private static partial void LogNotRecorded(ILogger logger, Guid challengeId, Exception error);
}
