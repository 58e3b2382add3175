extern alias devwebhooks;
using devwebhooks::Introserv.Notifications.DevWebhooks;
using Introserv.Notifications.Webhooks;
using Microsoft.Extensions.Hosting;

namespace Introserv.Notifications.Tests;

// The Standard Webhooks specification's example: this secret, id, timestamp and body give this signature. The sender
// signs with it; the development receiver (written as a receiver would be) accepts it and nothing else.
public sealed class WebhookSignatureTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string MessageId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long Timestamp = 1614265330;
    private const string Body = "{\"test\": 2432232314}";
    private const string Signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static Receivers ReceiverAt(long seconds) =>
        new(new FixedClock(DateTimeOffset.FromUnixTimeSeconds(seconds)));

    [Fact]
    public void Deliveries_are_signed_as_the_test_vector_with_one_signature_per_secret()
    {
        Assert.Equal(Signature, WebhookSignature.Sign(Secret, MessageId, Timestamp, Body));
        var other = WebhookSignature.NewSecret();
        var header = WebhookSignature.Header([Secret, other], MessageId, Timestamp, Body);
        Assert.Equal([Signature, WebhookSignature.Sign(other, MessageId, Timestamp, Body)], header.Split(' '));
        Assert.NotEqual(Signature, WebhookSignature.Sign(other, MessageId, Timestamp, Body));
    }

    [Fact]
    public void The_receiver_accepts_the_test_vector_and_refuses_a_changed_body_id_secret_or_stale_timestamp()
    {
        var receiver = ReceiverAt(Timestamp + 60);
        Assert.True(receiver.Verify([Secret], MessageId, $"{Timestamp}", Signature, Body).Valid);
        Assert.True(receiver.Verify([Secret], MessageId, $"{Timestamp}", $"v1,bm90IGl0 {Signature}", Body).Valid);

        Assert.False(receiver.Verify([Secret], MessageId, $"{Timestamp}", Signature, Body + " ").Valid);
        Assert.False(receiver.Verify([Secret], "msg_other", $"{Timestamp}", Signature, Body).Valid);
        Assert.False(receiver.Verify([WebhookSignature.NewSecret()], MessageId, $"{Timestamp}", Signature, Body).Valid);
        Assert.False(receiver.Verify([Secret], MessageId, $"{Timestamp}", "v2," + Signature[3..], Body).Valid);
        Assert.False(receiver.Verify([Secret], MessageId, "not-a-time", Signature, Body).Valid);
        Assert.False(ReceiverAt(Timestamp + 600).Verify([Secret], MessageId, $"{Timestamp}", Signature, Body).Valid);
        Assert.False(ReceiverAt(Timestamp - 600).Verify([Secret], MessageId, $"{Timestamp}", Signature, Body).Valid);
    }
}

// Signing secrets at rest: encrypted under Webhooks:SecretKey, readable under the previous key while it is replaced,
// and a service outside Development does not start without a key.
public sealed class WebhookSecretProtectorTests
{
    private static string NewKey() =>
        Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    private static WebhookSecretProtector Protector(string? key, string? previous = null) =>
        new(Microsoft.Extensions.Options.Options.Create(
            new WebhookOptions { SecretKey = key, PreviousSecretKey = previous }));

    [Fact]
    public void A_secret_is_stored_encrypted_and_opens_only_under_its_key_or_as_the_previous_key()
    {
        var (old, current) = (NewKey(), NewKey());
        var secret = WebhookSignature.NewSecret();
        var stored = Protector(old).Protect(secret);

        Assert.DoesNotContain(secret["whsec_".Length..], stored, StringComparison.Ordinal);
        Assert.NotEqual(stored, Protector(old).Protect(secret)); // a fresh nonce each time
        Assert.Equal(secret, Protector(old).Unprotect(stored));
        Assert.Equal(secret, Protector(current, previous: old).Unprotect(stored));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(
            () => Protector(current).Unprotect(stored));
        var tampered = stored[..^4] + (stored[^4] == 'A' ? "B" : "A") + stored[^3..];
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(
            () => Protector(old).Unprotect(tampered));
    }

    [Theory]
    [InlineData("Production", null)]
    [InlineData("Staging", "not-a-key")]
    [InlineData("Testing", "c2hvcnQ=")]
    public async Task Outside_Development_the_service_refuses_to_start_without_a_key(string environment, string? key)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            EnvironmentName = environment,
        });
        if (key is not null)
        {
            builder.Configuration["Webhooks:SecretKey"] = key;
        }

        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddWebhookDelivery();
        using var host = builder.Build();
        var refused = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => host.StartAsync());
        Assert.Contains("Webhooks:SecretKey", refused.Message, StringComparison.Ordinal);
    }
}
