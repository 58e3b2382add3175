using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;

namespace Introserv.Verification.Tests;

// The Verification service with small hourly budgets and a small per-address limit, so tests can exhaust them.
public sealed class TelephonyAbuseFactory : VerificationServiceFactory
{
    public const int SmsPerHour = 10;
    public const int SmsPerCountryPerHour = 6;
    public const int SmsToRomaniaPerHour = 2;
    public const int CallsPerHour = 5;
    public const int ChallengesPerAddress = 4;

    // A start as a customer's browser sends it, from address (a fresh one when null).
    public async Task<Started> StartAsync(
        string phone, string channel, string? address = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var http = Customer(Guid.NewGuid());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/verification/challenges")
        {
            Content = JsonContent.Create(new { purpose = "phone", channel, phone }),
        };
        request.Headers.Add(ClientAddressHeader, address ?? NewAddress());
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return new Started(response.StatusCode,
            response.IsSuccessStatusCode ? null : body.GetProperty("code").GetString(),
            response.Headers.RetryAfter?.Delta, body);
    }

    // Moves the clock to the middle of the next hour: a fresh budget, and half an hour before the next one.
    public void MoveToAFreshHour()
    {
        var now = Clock.GetUtcNow();
        Clock.Advance(
            new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 30, 0, TimeSpan.Zero).AddHours(1) - now);
    }

    // Messages and calls the fake provider received for these numbers (any gateway, any outcome).
    public int ReceivedFor(IEnumerable<string> phones)
    {
        var set = phones.ToHashSet(StringComparer.Ordinal);
        return Telephony.Inbox.List().Count(m => m.To is not null && set.Contains(m.To));
    }

    // Counts this instance's refusals (another instance's meter is another scope).
    public RefusalCounter CountRefusals() => new(Services.GetRequiredService<IMeterFactory>());

    public static string NewAddress() =>
        $"203.0.{RandomNumberGenerator.GetInt32(256)}.{RandomNumberGenerator.GetInt32(1, 255)}";

    // A mobile number nobody else in this run uses, in BG, DE, FR, NL or RO.
    public static string NewMobile(string country) => country switch
    {
        "BG" => VerificationClient.NewMobile(),
        "DE" => $"+49151{RandomNumberGenerator.GetInt32(10_000_000, 99_999_999)}",
        "FR" => $"+3361{RandomNumberGenerator.GetInt32(1_000_000, 9_999_999)}",
        "NL" => $"+3161{RandomNumberGenerator.GetInt32(1_000_000, 9_999_999)}",
        "RO" => $"+4072{RandomNumberGenerator.GetInt32(1_000_000, 9_999_999)}",
        _ => throw new ArgumentOutOfRangeException(nameof(country)),
    };

    protected override void ConfigureSettings(IWebHostBuilder builder)
    {
        builder.UseSetting("Verification:Budgets:Sms:GlobalPerHour", $"{SmsPerHour}");
        builder.UseSetting("Verification:Budgets:Sms:PerCountryPerHour", $"{SmsPerCountryPerHour}");
        builder.UseSetting("Verification:Budgets:Sms:Countries:RO", $"{SmsToRomaniaPerHour}");
        builder.UseSetting("Verification:Budgets:Call:GlobalPerHour", $"{CallsPerHour}");
        builder.UseSetting("Verification:Budgets:Call:PerCountryPerHour", "100");
        builder.UseSetting("Verification:Budgets:Call:Countries:DE", "0");
        builder.UseSetting("Verification:RateLimits:ChallengesPerAddress", $"{ChallengesPerAddress}");

        // The default timeout: long enough for a retrying handler's first back-off, so a retry would be seen.
        builder.UseSetting("Telephony:Sms:Primary:Timeout", "00:00:05");
        builder.UseSetting("Telephony:Sms:Secondary:Timeout", "00:00:05");
    }
}

public sealed record Started(HttpStatusCode Status, string? Code, TimeSpan? RetryAfter, JsonElement Body);

// The refusals one service instance counted on its meter, with their tags.
public sealed class RefusalCounter : IDisposable
{
    private readonly MeterListener _listener;
    private readonly List<IReadOnlyDictionary<string, string?>> _refusals = [];

    public RefusalCounter(IMeterFactory scope)
    {
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == VerificationMetrics.MeterName
                    && instrument.Name == VerificationMetrics.RefusalsInstrument
                    && instrument.Meter.Scope == scope)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var copy = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value?.ToString();
            }

            lock (_refusals)
            {
                _refusals.AddRange(Enumerable.Repeat(copy, (int)value));
            }
        });
        _listener.Start();
    }

    // How many refusals had all of these tags.
    public int Count(params (string Key, string Value)[] tags)
    {
        lock (_refusals)
        {
            return _refusals.Count(r => tags.All(t => r.GetValueOrDefault(t.Key) == t.Value));
        }
    }

    public void Dispose() => _listener.Dispose();
}
