extern alias devgateway;
using System.Text.RegularExpressions;
using devgateway::Introserv.Verification.DevGateway;
using Grpc.Core;
using Introserv.Verification.Grpc;
using static Introserv.Verification.Tests.VerificationClient;

namespace Introserv.Verification.Tests;

public sealed partial class GatewayAndStepUpTests : IClassFixture<VerificationServiceFactory>, IAsyncLifetime
{
    private readonly VerificationServiceFactory _factory;

    public GatewayAndStepUpTests(VerificationServiceFactory factory)
    {
        _factory = factory;
    }

    public Task InitializeAsync() => _factory.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData(GatewayModes.Fail, "rejected")]
    [InlineData(GatewayModes.Timeout, "timeout")]
    public async Task When_the_primary_gateway_fails_or_hangs_the_secondary_delivers(string mode, string loggedOutcome)
    {
        using var customer = _factory.NewCustomer(out var accountId);
        _factory.Telephony.SetMode("sms-primary", mode);

        var (status, body) = await customer.StartAsync("phone", "sms", NewMobile());

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("secondary", body.GetProperty("gateway").GetString());
        var challengeId = body.GetProperty("id").GetGuid();
        Assert.Single(_factory.Telephony.For(challengeId, "sms-primary"));
        var delivered = Assert.Single(_factory.Telephony.For(challengeId, "sms-secondary"));
        Assert.Equal(HttpStatusCode.OK, (await customer.ConfirmAsync(challengeId, delivered.Code!)).Status);

        var attempts = await AttemptsAsync(accountId, challengeId);
        Assert.Equal(["primary", "secondary"], attempts.Select(a => a.GetProperty("gateway").GetString()).Reverse());
        Assert.Equal([loggedOutcome, "delivered"],
            attempts.Select(a => a.GetProperty("outcome").GetString()).Reverse());
        Assert.Equal("fake-sms-secondary", attempts[0].GetProperty("gatewayName").GetString());
        if (mode == GatewayModes.Timeout)
        {
            var timeout = (int)VerificationServiceFactory.GatewayTimeout.TotalMilliseconds;
            Assert.InRange(attempts[1].GetProperty("latencyMs").GetInt32(), timeout - 100, timeout + 5000);
        }
    }

    [Fact]
    public async Task The_customer_can_ask_for_the_other_gateway()
    {
        using var customer = _factory.NewCustomer(out _);
        var challengeId = await customer.StartPhoneAsync(NewMobile(), "call");
        Assert.Single(_factory.Telephony.For(challengeId, "call-primary"));

        _factory.Clock.Advance(TimeSpan.FromSeconds(61));
        var (status, body, _) = await customer.ResendAsync(challengeId, otherGateway: true);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("secondary", body.GetProperty("gateway").GetString());
        var second = Assert.Single(_factory.Telephony.For(challengeId, "call-secondary"));
        Assert.Single(_factory.Telephony.For(challengeId, "call-primary"));
        Assert.Equal(HttpStatusCode.OK, (await customer.ConfirmAsync(challengeId, second.Code!)).Status);
    }

    [Fact]
    public async Task When_no_gateway_delivers_the_customer_is_told_and_may_resend_at_once()
    {
        using var customer = _factory.NewCustomer(out _);
        _factory.Telephony.SetMode("sms-primary", GatewayModes.Fail);
        _factory.Telephony.SetMode("sms-secondary", GatewayModes.Fail);

        var (status, body) = await customer.StartAsync("phone", "sms", NewMobile());
        _factory.Telephony.SetMode("sms-primary", GatewayModes.Deliver);
        var challengeId = body.GetProperty("challengeId").GetGuid();
        var (resent, resentBody, _) = await customer.ResendAsync(challengeId);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal("delivery_failed", CodeOf(body));
        Assert.Equal(HttpStatusCode.OK, resent);
        Assert.True(resentBody.GetProperty("delivered").GetBoolean());
        Assert.Equal(HttpStatusCode.OK,
            (await customer.ConfirmAsync(challengeId, _factory.Telephony.LastCode(challengeId))).Status);
    }

    [Fact]
    public async Task A_step_up_token_is_bound_to_its_account_and_operation_and_works_once()
    {
        using var customer = _factory.NewCustomer(out var accountId);
        var (noPhone, noPhoneBody) = await customer.StartAsync("step_up", "sms", operation: "change_ip_allow_list");
        Assert.Equal(HttpStatusCode.Conflict, noPhone);
        Assert.Equal("no_verified_phone", CodeOf(noPhoneBody));
        var phone = NewMobile();
        var phoneChallenge = await customer.StartPhoneAsync(phone);
        await customer.ConfirmAsync(phoneChallenge, _factory.Telephony.LastCode(phoneChallenge));

        var token = await StepUpAsync(customer, "change_ip_allow_list", phone);
        using var channel = _factory.GrpcChannel(
            _factory.TokenFor(Guid.NewGuid(), AuthenticationExtensions.ServiceRole));
        var client = new PhoneVerification.PhoneVerificationClient(channel);
        var wrongOperation = await client.ConsumeStepUpTokenAsync(
            new() { AccountId = accountId.ToString(), Operation = "change_password", Token = token });
        var afterWrongUse = await client.ConsumeStepUpTokenAsync(
            new() { AccountId = accountId.ToString(), Operation = "change_ip_allow_list", Token = token });

        var second = await StepUpAsync(customer, "change_ip_allow_list", phone);
        var otherAccount = await client.ConsumeStepUpTokenAsync(
            new() { AccountId = Guid.NewGuid().ToString(), Operation = "change_ip_allow_list", Token = second });

        var third = await StepUpAsync(customer, "change_ip_allow_list", phone);
        var valid = await client.ConsumeStepUpTokenAsync(
            new() { AccountId = accountId.ToString(), Operation = "change_ip_allow_list", Token = third });
        var reused = await client.ConsumeStepUpTokenAsync(
            new() { AccountId = accountId.ToString(), Operation = "change_ip_allow_list", Token = third });

        var fourth = await StepUpAsync(customer, "change_ip_allow_list", phone);
        _factory.Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var expired = await client.ConsumeStepUpTokenAsync(
            new() { AccountId = accountId.ToString(), Operation = "change_ip_allow_list", Token = fourth });

        Assert.Equal((false, "other_operation"), (wrongOperation.Valid, wrongOperation.Reason));
        Assert.Equal((false, "unknown_or_used"), (afterWrongUse.Valid, afterWrongUse.Reason));
        Assert.Equal((false, "other_account"), (otherAccount.Valid, otherAccount.Reason));
        Assert.True(valid.Valid);
        Assert.Equal((false, "unknown_or_used"), (reused.Valid, reused.Reason));
        Assert.Equal((false, "expired"), (expired.Valid, expired.Reason));
    }

    [Fact]
    public async Task Services_start_and_confirm_challenges_over_grpc_with_a_service_token_only()
    {
        var accountId = Guid.NewGuid();
        var phone = NewMobile();
        using var service = _factory.GrpcChannel(
            _factory.TokenFor(Guid.NewGuid(), AuthenticationExtensions.ServiceRole));
        using var customerChannel = _factory.GrpcChannel(
            _factory.TokenFor(accountId, AuthenticationExtensions.CustomerRole));
        using var anonymousChannel = _factory.GrpcChannel(null);
        var client = new PhoneVerification.PhoneVerificationClient(service);
        var request = new StartChallengeRequest
        {
            AccountId = accountId.ToString(),
            Purpose = "phone",
            Channel = "sms",
            Phone = phone
        };

        var started = await client.StartChallengeAsync(request);
        var challengeId = Guid.Parse(started.ChallengeId);
        var wrong = await client.ConfirmChallengeAsync(
            new() { AccountId = accountId.ToString(), ChallengeId = started.ChallengeId, Code = "12345" });
        var right = await client.ConfirmChallengeAsync(new()
        {
            AccountId = accountId.ToString(),
            ChallengeId = started.ChallengeId,
            Code = _factory.Telephony.LastCode(challengeId)
        });
        var verified = await client.GetVerifiedPhoneAsync(new() { AccountId = accountId.ToString() });
        var badPhone = await Assert.ThrowsAsync<RpcException>(() => client.StartChallengeAsync(new StartChallengeRequest
        {
            AccountId = accountId.ToString(), Purpose = "phone", Channel = "sms", Phone = "12",
        }).ResponseAsync);
        var asCustomer = await Assert.ThrowsAsync<RpcException>(() =>
            new PhoneVerification.PhoneVerificationClient(customerChannel).StartChallengeAsync(request).ResponseAsync);
        var anonymous = await Assert.ThrowsAsync<RpcException>(() =>
            new PhoneVerification.PhoneVerificationClient(anonymousChannel).StartChallengeAsync(request).ResponseAsync);

        Assert.True(started.Delivered);
        Assert.Equal("primary", started.Gateway);
        Assert.Equal(("invalid_code", 4), (wrong.Outcome, wrong.AttemptsRemaining));
        Assert.Equal(("confirmed", phone), (right.Outcome, right.Phone));
        Assert.Equal((true, phone), (verified.Verified, verified.Phone));
        Assert.Equal(StatusCode.InvalidArgument, badPhone.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, asCustomer.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
    }

    [Fact]
    public async Task Support_sees_every_gateway_attempt_and_customers_do_not()
    {
        using var customer = _factory.NewCustomer(out var accountId);
        _factory.Telephony.SetMode("call-primary", GatewayModes.Fail);
        var challengeId = await customer.StartPhoneAsync(NewMobile(), "call");

        using var asCustomer = await customer.Http.GetAsync(
            $"/api/staff/verification/accounts/{accountId}/gateway-attempts");
        var attempts = await AttemptsAsync(accountId, challengeId);

        Assert.Equal(HttpStatusCode.Forbidden, asCustomer.StatusCode);
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, a => Assert.Equal("flash_call", a.GetProperty("delivery").GetString()));
        Assert.Equal(503, attempts[1].GetProperty("httpStatus").GetInt32());
        Assert.DoesNotContain(_factory.Telephony.LastCode(challengeId), JsonSerializer.Serialize(attempts),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_code_or_step_up_token_appears_in_the_logs()
    {
        var before = _factory.Logs.Lines.Count;
        using var customer = _factory.NewCustomer(out _);
        var phone = NewMobile();
        _factory.Telephony.SetMode("sms-primary", GatewayModes.Fail);
        var sms = await customer.StartPhoneAsync(phone);
        var smsCode = _factory.Telephony.LastCode(sms);
        await customer.ConfirmAsync(sms, smsCode == "999999" ? "999998" : "999999");
        await customer.ConfirmAsync(sms, smsCode);
        var flash = await customer.StartPhoneAsync(NewMobile(), "call");
        var voice = await customer.StartPhoneAsync(NewLandline(), "call");
        var token = await StepUpAsync(customer, "delete_account", phone);
        var secrets = new[] { smsCode, _factory.Telephony.LastCode(flash), _factory.Telephony.LastCode(voice), token };

        // Ids (GUIDs, trace and span ids) are hex and may contain any digit run by chance; drop them first, and
        // look for each secret as a number of its own, not inside a longer one (a port, a duration).
        var logs = string.Join('\n', _factory.Logs.Lines.Skip(before).Select(line => HexIds().Replace(line, "<id>")));

        Assert.Contains("delivered by the secondary gateway", logs, StringComparison.Ordinal);
        Assert.Contains(PhoneMasked(phone), logs, StringComparison.Ordinal);
        Assert.All(secrets, secret => Assert.DoesNotMatch($"(?<![0-9.]){Regex.Escape(secret)}(?![0-9.])", logs));
        Assert.DoesNotContain(phone, logs, StringComparison.Ordinal);
    }

    private static string PhoneMasked(string phone) => $"{phone[..3]}{new string('*', phone.Length - 5)}{phone[^2..]}";

    private async Task<string> StepUpAsync(VerificationClient customer, string operation, string phone)
    {
        var (status, body) = await customer.StartAsync("step_up", "sms", operation: operation);
        Assert.True(status == HttpStatusCode.Created, $"step-up: {(int)status} {body}");
        var challengeId = body.GetProperty("id").GetGuid();
        Assert.Equal(phone, _factory.Telephony.For(challengeId)[^1].To);
        var (confirmed, result) = await customer.ConfirmAsync(challengeId, _factory.Telephony.LastCode(challengeId));
        Assert.Equal(HttpStatusCode.OK, confirmed);
        return result.GetProperty("stepUpToken").GetString()!;
    }

    private async Task<List<JsonElement>> AttemptsAsync(Guid accountId, Guid challengeId)
    {
        using var staff = _factory.Api(_factory.TokenFor(Guid.NewGuid(), AuthenticationExtensions.StaffRole));
        using var response = await staff.GetAsync(
            $"/api/staff/verification/accounts/{accountId}/gateway-attempts?challengeId={challengeId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray()];
    }

    [GeneratedRegex("[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}|[0-9a-fA-F]{16,}")]
    private static partial Regex HexIds();
}
