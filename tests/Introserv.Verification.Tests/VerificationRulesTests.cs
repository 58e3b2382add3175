using System.ComponentModel.DataAnnotations;
using Introserv.Verification.Challenges;
using Introserv.Verification.Telephony;
using Microsoft.Extensions.Options;

namespace Introserv.Verification.Tests;

public sealed class VerificationRulesTests
{
    [Theory]
    [InlineData("+359881234567", "+359881234567", false)]
    [InlineData("+359 88 123 4567", "+359881234567", false)]
    [InlineData("+35921234567", "+35921234567", true)]
    [InlineData("+44 7911 123456", "+447911123456", false)]
    // North America: fixed line or mobile, so not treated as a landline
    [InlineData("+1 650 253 0000", "+16502530000", false)]
    public void Valid_numbers_are_read_into_E164_and_landlines_are_recognised(string input, string e164, bool landline)
    {
        var phone = PhoneNumberRules.Parse(input);

        Assert.NotNull(phone);
        Assert.Equal(e164, phone.E164);
        Assert.Equal(landline, phone.IsLandline);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("12")]
    [InlineData("+359 12")]
    [InlineData("not a number")]
    [InlineData("+999123456789")]
    [InlineData("+3598812345678901234567890123456789")]
    public void Invalid_numbers_are_refused(string? input) => Assert.Null(PhoneNumberRules.Parse(input));

    [Fact]
    public void A_national_number_needs_its_region()
    {
        Assert.Null(PhoneNumberRules.Parse("0881234567"));
        Assert.Equal("+359881234567", PhoneNumberRules.Parse("0881234567", "bg")?.E164);
    }

    [Fact]
    public void A_masked_number_keeps_the_country_code_and_the_last_two_digits() =>
        Assert.Equal("+35********67", PhoneNumberRules.Mask("+359881234567"));

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void Codes_have_the_asked_number_of_digits_and_every_digit_occurs_in_every_position(int digits)
    {
        var generator = new RandomCodeGenerator();
        var codes = Enumerable.Range(0, 2000).Select(_ => generator.Create(digits)).ToList();

        Assert.All(codes, code => Assert.Matches($"^[0-9]{{{digits}}}$", code));
        for (var position = 0; position < digits; position++)
        {
            Assert.Equal(10, codes.Select(c => c[position]).Distinct().Count());
        }

        Assert.True(codes.Distinct().Count() > 1500, "codes repeat far more often than chance");
    }

    [Fact]
    public void A_code_hash_depends_on_the_key_and_the_challenge()
    {
        var challenge = Guid.NewGuid();
        var one = new CodeHasher(Options.Create(new VerificationOptions { CodeHashKey = new string('a', 32) }));
        var other = new CodeHasher(Options.Create(new VerificationOptions { CodeHashKey = new string('b', 32) }));

        Assert.Equal(one.Hash(challenge, "123456"), one.Hash(challenge, "123456"));
        Assert.NotEqual(one.Hash(challenge, "123456"), one.Hash(challenge, "123457"));
        Assert.NotEqual(one.Hash(challenge, "123456"), one.Hash(Guid.NewGuid(), "123456"));
        Assert.NotEqual(one.Hash(challenge, "123456"), other.Hash(challenge, "123456"));
        Assert.DoesNotContain("123456", one.Hash(challenge, "123456"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_body_template_escapes_every_value_as_JSON()
    {
        var gateway = new HttpGatewayOptions
        {
            BodyTemplate = """{"phone":"{{to}}","message":"{{text}}","ref":"{{reference}}","ttl":{{ttlSeconds}}}"""
        };
        var message = new TelephonyMessage(Guid.NewGuid(), Guid.NewGuid(), "+359881234567", Deliveries.Sms, "123456",
            "say \"hi\"\n\\ {{code}}", TimeSpan.FromMinutes(5));

        using var body = JsonDocument.Parse(HttpTelephonyGateway.Render(gateway, message));

        Assert.Equal("+359881234567", body.RootElement.GetProperty("phone").GetString());
        Assert.Equal("say \"hi\"\n\\ {{code}}", body.RootElement.GetProperty("message").GetString());
        Assert.Equal(message.ChallengeId.ToString("D"), body.RootElement.GetProperty("ref").GetString());
        Assert.Equal(300, body.RootElement.GetProperty("ttl").GetInt32());
        Assert.DoesNotContain("123456", message.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:10:00", "0123456789abcdef0123456789abcdef", true)]
    [InlineData("00:10:01", "0123456789abcdef0123456789abcdef", false)]
    [InlineData("00:05:00", "too short", false)]
    [InlineData("00:05:00", null, false)]
    public void Codes_live_at_most_ten_minutes_and_need_a_real_key(string lifetime, string? key, bool valid)
    {
        var settings = new VerificationOptions
        {
            CodeLifetime = TimeSpan.Parse(lifetime, System.Globalization.CultureInfo.InvariantCulture),
            CodeHashKey = key
        };

        var results = new List<ValidationResult>();
        var ok = Validator.TryValidateObject(settings, new ValidationContext(settings), results,
            validateAllProperties: true);

        Assert.Equal(valid, ok);
    }

    [Fact]
    public void Both_channels_need_a_primary_gateway()
    {
        var settings = new TelephonyOptions
        {
            Sms = new ChannelGateways { Primary = new HttpGatewayOptions { Url = new Uri("https://sms.example/send") } }
        };

        var errors = settings.Validate(new ValidationContext(settings)).Select(r => r.ErrorMessage).ToList();

        Assert.Equal(["Telephony:Call:Primary:Url is required."], errors);
    }
}

public sealed class HttpTelephonyGatewayTests
{
    private static readonly TelephonyMessage Message =
        new(Guid.NewGuid(), Guid.NewGuid(), "+359881234567", Deliveries.Sms, "123456", "Code 123456",
            TimeSpan.FromMinutes(5));

    [Theory]
    [InlineData(200, """{"result":{"ok":true}}""", "delivered")]
    [InlineData(200, """{"result":{"ok":false}}""", "rejected")]
    [InlineData(200, """not json""", "rejected")]
    [InlineData(500, """{"result":{"ok":true}}""", "rejected")]
    public async Task Success_needs_a_2xx_status_and_the_configured_answer(int status, string body, string outcome)
    {
        using var handler = new StubHandler(status, body);
        using var http = new HttpClient(handler);
        var gateway = new HttpGatewayOptions
        {
            Url = new Uri("https://sms.example/send"),
            Headers = { ["Authorization"] = "Bearer secret", ["X-Empty"] = "" },
            SuccessJsonPath = "result.ok",
            SuccessValue = "true",
        };

        var result = await new HttpTelephonyGateway(http).SendAsync(gateway, Message, CancellationToken.None);

        Assert.Equal(outcome, result.Outcome);
        Assert.Equal(status, result.HttpStatus);
        Assert.Equal("Bearer secret", handler.Request!.Headers.Authorization?.ToString());
        Assert.False(handler.Request.Headers.Contains("X-Empty"));
        Assert.Contains("\"to\":\"+359881234567\"", handler.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_provider_that_does_not_answer_in_time_is_a_timeout()
    {
        using var handler = new StubHandler(200, "{}", TimeSpan.FromSeconds(30));
        using var http = new HttpClient(handler);
        var gateway = new HttpGatewayOptions
        {
            Url = new Uri("https://sms.example/send"),
            Timeout = TimeSpan.FromMilliseconds(100)
        };

        var result = await new HttpTelephonyGateway(http).SendAsync(gateway, Message, CancellationToken.None);

        Assert.Equal(GatewayOutcomes.Timeout, result.Outcome);
    }

    private sealed class StubHandler(int status, string body, TimeSpan? delay = null) : HttpMessageHandler
    {
        public HttpRequestMessage? Request { get; private set; }

        public string Body { get; private set; } = string.Empty;

        protected override async Task<HttpResponseMessage> SendAsync(
            HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Request = request;
            Body = await request.Content!.ReadAsStringAsync(cancellationToken);
            if (delay is { } wait)
            {
                await Task.Delay(wait, cancellationToken);
            }

            return new HttpResponseMessage((System.Net.HttpStatusCode)status) { Content = new StringContent(body) };
        }
    }
}
