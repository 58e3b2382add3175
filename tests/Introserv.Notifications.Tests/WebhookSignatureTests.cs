extern alias devwebhooks;
using devwebhooks::Introserv.Notifications.DevWebhooks;
using Introserv.Notifications.Webhooks;

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
