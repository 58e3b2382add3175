using Introserv.Verification.Contracts;
using Microsoft.Extensions.Options;

namespace Introserv.Verification.Challenges;

// Everything checked before a text or call goes out, cheapest first: the kind of number, the channel, then the counters
// in Redis (client address, account, phone number, the hourly budgets). Each refusal is counted in VerificationMetrics.
public sealed class SendGuard(
    SendLimits limits, TelephonyBudgets budgets, VerificationMetrics metrics, IOptions<VerificationOptions> options)
{
    private VerificationRateLimits Rules => options.Value.RateLimits;

    // The checks before a new challenge's first message; null when it may be sent.
    public async Task<Refusal?> BeforeStartAsync(
        Guid accountId, ParsedPhone phone, string channel, string? clientAddress)
    {
        ArgumentNullException.ThrowIfNull(phone);
        if (!phone.TypeAllowed)
        {
            return Refused(phone, channel, new Refusal(
                Problems.PhoneNumberTypeNotAllowed,
                $"Codes are sent to mobile and landline numbers only; " +
                $"this is a {phone.TypeName.Replace('_', ' ')} number.",
                "phone"));
        }

        if (channel == VerificationChannels.Sms && phone.IsLandline)
        {
            return new Refusal(Problems.SmsNotSupportedForLandline,
                "This number is a landline: choose a call, and a robot will read the code out.", "channel");
        }

        // Unknown only when the host has no socket address (in-process hosts): there is nothing to count then.
        if (clientAddress is not null
            && await limits.TryTakeAsync(
                "address", clientAddress, Rules.ChallengesPerAddress, Rules.Window) is { } addressWait)
        {
            return Refused(phone, channel, new Refusal(
                Problems.TooManyChallengesFromAddress, "Too many verification requests from this network address.",
                RetryAfter: addressWait));
        }

        if (await limits.TryTakeAsync(
            "account", accountId.ToString("N"), Rules.ChallengesPerAccount, Rules.Window) is { } accountWait)
        {
            return Refused(phone, channel, new Refusal(
                Problems.TooManyChallenges, "Too many verification requests for this account.",
                RetryAfter: accountWait));
        }

        return await BeforeSendAsync(phone, channel);
    }

    // The checks before any message (a first one or a resend) to phone.
    public async Task<Refusal?> BeforeSendAsync(ParsedPhone phone, string channel)
    {
        ArgumentNullException.ThrowIfNull(phone);
        if (await limits.TryTakeAsync("phone", phone.E164, Rules.SendsPerPhone, Rules.Window) is { } phoneWait)
        {
            return Refused(phone, channel, new Refusal(
                Problems.TooManyMessagesToPhone, "Too many codes were sent to this number.", RetryAfter: phoneWait));
        }

        if (await budgets.TryTakeAsync(channel, phone.Region) is { } budget)
        {
            metrics.Refused(Problems.TelephonyBudgetExhausted, channel, phone.Region, budget.Scope);
            var what = channel == VerificationChannels.Sms ? "text messages" : "calls";
            var where = budget.Scope == TelephonyBudgets.CountryScope ? "to this country " : string.Empty;
            return new Refusal(
                Problems.TelephonyBudgetExhausted,
                $"No more verification {what} can be sent {where}this hour; try the other channel or come back later.",
                RetryAfter: budget.RetryAfter);
        }

        return null;
    }

    private Refusal Refused(ParsedPhone phone, string channel, Refusal refusal)
    {
        metrics.Refused(refusal.Code, channel, phone.Region);
        return refusal;
    }
}
