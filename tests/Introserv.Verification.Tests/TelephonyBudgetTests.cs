extern alias devgateway;
namespace Introserv.Verification.Tests;

// The hourly budgets of texts and calls, in total and per country, against racing starts.
public sealed class TelephonyBudgetTests : IClassFixture<TelephonyAbuseFactory>, IAsyncLifetime
{
    private readonly TelephonyAbuseFactory _factory;

    public TelephonyBudgetTests(TelephonyAbuseFactory factory)
    {
        _factory = factory;
        factory.MoveToAFreshHour();
    }

    public Task InitializeAsync() => _factory.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Twenty_parallel_texts_to_one_country_send_no_more_than_its_hourly_budget()
    {
        using var refusals = _factory.CountRefusals();
        var phones = Enumerable.Range(0, 20).Select(_ => TelephonyAbuseFactory.NewMobile("BG")).ToList();

        var results = await Task.WhenAll(phones.Select(phone => _factory.StartAsync(phone, "sms")));

        Assert.Equal(TelephonyAbuseFactory.SmsPerCountryPerHour,
            results.Count(r => r.Status == HttpStatusCode.Created));
        var refused = results.Where(r => r.Status != HttpStatusCode.Created).ToList();
        Assert.All(refused, r =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, r.Status);
            Assert.Equal("telephony_budget_exhausted", r.Code);
            Assert.InRange(r.RetryAfter!.Value, TimeSpan.FromMinutes(25), TimeSpan.FromMinutes(30));
        });
        Assert.Equal(TelephonyAbuseFactory.SmsPerCountryPerHour, _factory.ReceivedFor(phones));
        Assert.Equal(refused.Count, refusals.Count(("reason", "telephony_budget_exhausted"), ("channel", "sms"),
            ("country", "BG"), ("scope", "country")));

        // Another country's budget is its own; a country named in the configuration has the budget named there.
        Assert.Equal(HttpStatusCode.Created,
            (await _factory.StartAsync(TelephonyAbuseFactory.NewMobile("DE"), "sms")).Status);
        var romania = await Task.WhenAll(Enumerable.Range(0, 5)
            .Select(_ => _factory.StartAsync(TelephonyAbuseFactory.NewMobile("RO"), "sms")));
        Assert.Equal(TelephonyAbuseFactory.SmsToRomaniaPerHour, romania.Count(r => r.Status == HttpStatusCode.Created));

        // The next hour has a new budget.
        _factory.MoveToAFreshHour();
        Assert.Equal(HttpStatusCode.Created,
            (await _factory.StartAsync(TelephonyAbuseFactory.NewMobile("BG"), "sms")).Status);
    }

    [Fact]
    public async Task Twenty_parallel_texts_to_many_countries_send_no_more_than_the_global_budget()
    {
        using var refusals = _factory.CountRefusals();
        var phones = new[] { "BG", "DE", "FR", "NL" }
            .SelectMany(country => Enumerable.Range(0, 5).Select(_ => TelephonyAbuseFactory.NewMobile(country)))
            .ToList();

        var results = await Task.WhenAll(phones.Select(phone => _factory.StartAsync(phone, "sms")));

        Assert.Equal(TelephonyAbuseFactory.SmsPerHour, results.Count(r => r.Status == HttpStatusCode.Created));
        Assert.All(results.Where(r => r.Status != HttpStatusCode.Created),
            r => Assert.Equal("telephony_budget_exhausted", r.Code));
        Assert.Equal(TelephonyAbuseFactory.SmsPerHour, _factory.ReceivedFor(phones));
        Assert.Equal(20 - TelephonyAbuseFactory.SmsPerHour,
            refusals.Count(("reason", "telephony_budget_exhausted"), ("channel", "sms"), ("scope", "global")));

        // Calls have a budget of their own.
        Assert.Equal(HttpStatusCode.Created,
            (await _factory.StartAsync(TelephonyAbuseFactory.NewMobile("BG"), "call")).Status);
    }

    [Fact]
    public async Task Twenty_parallel_calls_stay_within_the_call_budget_and_a_country_with_budget_zero_gets_none()
    {
        using var refusals = _factory.CountRefusals();
        var germany = TelephonyAbuseFactory.NewMobile("DE");
        var toGermany = await _factory.StartAsync(germany, "call");
        var phones = Enumerable.Range(0, 20).Select(_ => TelephonyAbuseFactory.NewMobile("BG")).ToList();

        var results = await Task.WhenAll(phones.Select(phone => _factory.StartAsync(phone, "call")));

        Assert.Equal(HttpStatusCode.TooManyRequests, toGermany.Status);
        Assert.Equal("telephony_budget_exhausted", toGermany.Code);
        Assert.Equal(0, _factory.ReceivedFor([germany]));
        Assert.Equal(1, refusals.Count(("channel", "call"), ("country", "DE"), ("scope", "country")));
        Assert.Equal(TelephonyAbuseFactory.CallsPerHour, results.Count(r => r.Status == HttpStatusCode.Created));
        Assert.All(results.Where(r => r.Status != HttpStatusCode.Created),
            r => Assert.Equal("telephony_budget_exhausted", r.Code));
        Assert.Equal(TelephonyAbuseFactory.CallsPerHour, _factory.ReceivedFor(phones));
        Assert.Equal(20 - TelephonyAbuseFactory.CallsPerHour,
            refusals.Count(("channel", "call"), ("country", "BG"), ("scope", "global")));
    }

    [Fact]
    public async Task A_resend_is_a_message_and_spends_the_budget_too()
    {
        var phones = Enumerable.Range(0, TelephonyAbuseFactory.SmsPerCountryPerHour - 1)
            .Select(_ => TelephonyAbuseFactory.NewMobile("NL"))
            .ToList();
        foreach (var phone in phones)
        {
            Assert.Equal(HttpStatusCode.Created, (await _factory.StartAsync(phone, "sms")).Status);
        }

        var last = TelephonyAbuseFactory.NewMobile("NL");
        using var customer = new VerificationClient(_factory.Customer(Guid.NewGuid()));
        var challengeId = await customer.StartPhoneAsync(last);
        _factory.Clock.Advance(TimeSpan.FromSeconds(61));

        var (status, body, retryAfter) = await customer.ResendAsync(challengeId);

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("telephony_budget_exhausted", VerificationClient.CodeOf(body));
        Assert.NotNull(retryAfter);
        Assert.Single(_factory.Telephony.For(challengeId));
    }
}
