extern alias devgateway;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Verification.Data;
using static Introserv.Verification.Tests.VerificationClient;

namespace Introserv.Verification.Tests;

public sealed class ChallengeRulesTests : IClassFixture<VerificationServiceFactory>, IAsyncLifetime
{
    private readonly VerificationServiceFactory _factory;

    public ChallengeRulesTests(VerificationServiceFactory factory)
    {
        _factory = factory;
    }

    public Task InitializeAsync() => _factory.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_phone_is_verified_with_the_six_digit_code_sent_by_sms_and_the_event_is_in_the_outbox()
    {
        using var customer = _factory.NewCustomer(out var accountId);
        var phone = NewMobile();

        var (status, started) = await customer.StartAsync("phone", "sms", phone);

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("sms", started.GetProperty("delivery").GetString());
        Assert.Equal("primary", started.GetProperty("gateway").GetString());
        Assert.Equal(6, started.GetProperty("codeLength").GetInt32());
        Assert.Equal(5, started.GetProperty("attemptsRemaining").GetInt32());
        Assert.DoesNotContain(phone, started.ToString(), StringComparison.Ordinal);
        var challengeId = started.GetProperty("id").GetGuid();
        var message = Assert.Single(_factory.Telephony.For(challengeId));
        Assert.Equal(phone, message.To);
        Assert.Matches("^[0-9]{6}$", message.Code);
        Assert.Contains(message.Code!, message.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(message.Code!, started.ToString(), StringComparison.Ordinal);

        var (confirmed, body) = await customer.ConfirmAsync(challengeId, message.Code!);

        Assert.Equal(HttpStatusCode.OK, confirmed);
        Assert.Equal(phone, body.GetProperty("phone").GetString());
        using var scope = _factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VerificationDbContext>();
        Assert.Equal(phone, (await db.VerifiedPhones.SingleAsync(p => p.AccountId == accountId)).Phone);
        var events = await db.Set<OutboxMessage>().Where(m => m.MessageType.Contains("PhoneVerified")).ToListAsync();
        Assert.Single(events, e => e.Payload.Contains(challengeId.ToString(), StringComparison.Ordinal)
            && e.Payload.Contains(phone, StringComparison.Ordinal));
        using var verified = await customer.Http.GetAsync("/api/verification/phone");
        Assert.Contains(phone, await verified.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_to_a_mobile_is_a_flash_call_and_a_call_to_a_landline_speaks_the_code()
    {
        using var customer = _factory.NewCustomer(out _);

        var mobile = await customer.StartPhoneAsync(NewMobile(), "call");
        var landline = await customer.StartPhoneAsync(NewLandline(), "call");

        var flash = Assert.Single(_factory.Telephony.For(mobile));
        Assert.Equal("flash_call", flash.Kind);
        Assert.Matches("^[0-9]{4}$", flash.Code);
        Assert.Equal(string.Empty, flash.Text);
        var voice = Assert.Single(_factory.Telephony.For(landline));
        Assert.Equal("voice_call", voice.Kind);
        Assert.Contains(string.Join(", ", voice.Code!.ToCharArray()), voice.Text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await customer.ConfirmAsync(mobile, flash.Code!)).Status);
        Assert.Equal(HttpStatusCode.OK, (await customer.ConfirmAsync(landline, voice.Code!)).Status);
    }

    [Fact]
    public async Task A_landline_cannot_be_sent_an_sms_and_a_bad_number_is_a_field_error()
    {
        using var customer = _factory.NewCustomer(out _);

        var (landline, landlineBody) = await customer.StartAsync("phone", "sms", NewLandline());
        var (invalid, invalidBody) = await customer.StartAsync("phone", "sms", "+359 12");
        var (noChannel, noChannelBody) = await customer.StartAsync("phone", "fax", NewMobile());

        Assert.Equal(HttpStatusCode.UnprocessableEntity, landline);
        Assert.Equal("sms_not_supported_for_landline", CodeOf(landlineBody));
        Assert.Equal(HttpStatusCode.BadRequest, invalid);
        Assert.Equal("validation_failed", CodeOf(invalidBody));
        Assert.True(invalidBody.GetProperty("errors").TryGetProperty("phone", out _));
        Assert.Equal(HttpStatusCode.BadRequest, noChannel);
        Assert.True(noChannelBody.GetProperty("errors").TryGetProperty("channel", out _));
    }

    [Fact]
    public async Task A_code_expires()
    {
        using var customer = _factory.NewCustomer(out _);
        var challengeId = await customer.StartPhoneAsync(NewMobile());
        var code = _factory.Telephony.LastCode(challengeId);

        _factory.Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var (status, body) = await customer.ConfirmAsync(challengeId, code);

        Assert.Equal(HttpStatusCode.Gone, status);
        Assert.Equal("challenge_expired", CodeOf(body));
    }

    [Fact]
    public async Task Five_wrong_codes_lock_the_challenge_even_for_the_right_code_and_report_the_failure()
    {
        using var customer = _factory.NewCustomer(out _);
        var challengeId = await customer.StartPhoneAsync(NewMobile());
        var code = _factory.Telephony.LastCode(challengeId);
        var wrong = code == "000000" ? "000001" : "000000";

        for (var left = 4; left >= 1; left--)
        {
            var (status, body) = await customer.ConfirmAsync(challengeId, wrong);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("invalid_code", CodeOf(body));
            Assert.Equal(left, body.GetProperty("attemptsRemaining").GetInt32());
        }

        var (fifth, fifthBody) = await customer.ConfirmAsync(challengeId, wrong);
        var (right, rightBody) = await customer.ConfirmAsync(challengeId, code);

        Assert.Equal(HttpStatusCode.Conflict, fifth);
        Assert.Equal("challenge_locked", CodeOf(fifthBody));
        Assert.Equal(HttpStatusCode.Conflict, right);
        Assert.Equal("challenge_locked", CodeOf(rightBody));
        using var scope = _factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VerificationDbContext>();
        var failures = await db.Set<OutboxMessage>()
            .Where(m => m.MessageType.Contains("VerificationFailed"))
            .ToListAsync();
        Assert.Single(failures, m => m.Payload.Contains(challengeId.ToString(), StringComparison.Ordinal)
            && m.Payload.Contains("attempts_exhausted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Concurrent_wrong_codes_cannot_spend_more_than_the_attempt_limit()
    {
        using var customer = _factory.NewCustomer(out _);
        var challengeId = await customer.StartPhoneAsync(NewMobile());
        var wrong = _factory.Telephony.LastCode(challengeId) == "000000" ? "000001" : "000000";

        var results = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(_ => customer.ConfirmAsync(challengeId, wrong)));

        Assert.Equal(4, results.Count(r => CodeOf(r.Body) == "invalid_code"));
        Assert.Equal(16, results.Count(r => CodeOf(r.Body) == "challenge_locked"));
    }

    [Fact]
    public async Task A_code_works_once_even_when_sent_twice_at_the_same_time()
    {
        using var customer = _factory.NewCustomer(out _);
        var challengeId = await customer.StartPhoneAsync(NewMobile());
        var code = _factory.Telephony.LastCode(challengeId);

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => customer.ConfirmAsync(challengeId, code)));
        var (again, againBody) = await customer.ConfirmAsync(challengeId, code);

        Assert.Single(results, r => r.Status == HttpStatusCode.OK);
        Assert.All(results.Where(r => r.Status != HttpStatusCode.OK),
            r => Assert.Equal("challenge_already_used", CodeOf(r.Body)));
        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Equal("challenge_already_used", CodeOf(againBody));
    }

    [Fact]
    public async Task A_resend_waits_for_the_cooldown_and_replaces_the_code()
    {
        using var customer = _factory.NewCustomer(out _);
        var challengeId = await customer.StartPhoneAsync(NewMobile());
        var first = _factory.Telephony.LastCode(challengeId);

        var (tooSoon, tooSoonBody, retryAfter) = await customer.ResendAsync(challengeId);
        _factory.Clock.Advance(TimeSpan.FromSeconds(61));
        var (resent, _, _) = await customer.ResendAsync(challengeId);
        var second = _factory.Telephony.LastCode(challengeId);

        Assert.Equal(HttpStatusCode.TooManyRequests, tooSoon);
        Assert.Equal("resend_too_soon", CodeOf(tooSoonBody));
        Assert.InRange(int.Parse(retryAfter!, System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        Assert.Equal(HttpStatusCode.OK, resent);
        Assert.Equal(2, _factory.Telephony.For(challengeId).Count);
        if (first != second)
        {
            Assert.Equal("invalid_code", CodeOf((await customer.ConfirmAsync(challengeId, first)).Body));
        }

        Assert.Equal(HttpStatusCode.OK, (await customer.ConfirmAsync(challengeId, second)).Status);
    }

    [Fact]
    public async Task An_account_may_start_only_so_many_challenges_and_a_phone_receive_only_so_many_codes()
    {
        using var busy = _factory.NewCustomer(out _);
        for (var i = 0; i < VerificationServiceFactory.ChallengesPerAccount; i++)
        {
            await busy.StartPhoneAsync(NewMobile());
        }

        var (accountLimited, accountBody) = await busy.StartAsync("phone", "sms", NewMobile());

        var phone = NewMobile();
        for (var i = 0; i < VerificationServiceFactory.SendsPerPhone; i++)
        {
            using var someone = _factory.NewCustomer(out _);
            await someone.StartPhoneAsync(phone);
        }

        using var last = _factory.NewCustomer(out _);
        using var response = await last.Http.PostAsJsonAsync("/api/verification/challenges",
            new { purpose = "phone", channel = "sms", phone });

        Assert.Equal(HttpStatusCode.TooManyRequests, accountLimited);
        Assert.Equal("too_many_challenges", CodeOf(accountBody));
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Contains("too_many_messages_to_phone", await response.Content.ReadAsStringAsync(),
            StringComparison.Ordinal);
        Assert.Equal(VerificationServiceFactory.SendsPerPhone, _factory.Telephony.Inbox.List(phone).Count);
    }

    [Fact]
    public async Task Another_account_cannot_see_or_confirm_a_challenge()
    {
        using var owner = _factory.NewCustomer(out _);
        using var stranger = _factory.NewCustomer(out _);
        var challengeId = await owner.StartPhoneAsync(NewMobile());
        var code = _factory.Telephony.LastCode(challengeId);

        var (confirm, confirmBody) = await stranger.ConfirmAsync(challengeId, code);
        using var read = await stranger.Http.GetAsync($"/api/verification/challenges/{challengeId}");
        using var anonymous = await _factory.Api(null)
            .PostAsJsonAsync($"/api/verification/challenges/{challengeId}/confirm", new { code });

        Assert.Equal(HttpStatusCode.NotFound, confirm);
        Assert.Equal("challenge_not_found", CodeOf(confirmBody));
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.ConfirmAsync(challengeId, code)).Status);
    }
}
