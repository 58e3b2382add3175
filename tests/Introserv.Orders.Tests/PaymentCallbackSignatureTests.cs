using System.Text;
using Introserv.Orders.Contracts.Payments;

namespace Introserv.Orders.Tests;

// The callback signature on its own: one valid value among others passes under either rotating secret, a header
// stuffed with values is refused by its length, and a timestamp outside the window fails whatever the signature.
public sealed class PaymentCallbackSignatureTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"paymentId":"p1","status":"succeeded"}""");
    private const string Old = "old-callback-secret-0123456789";
    private const string New = "new-callback-secret-0123456789";

    private static bool Verify(string header, long timestamp) =>
        PaymentCallbackSignature.Verify(
            [New, Old], timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture), header, Body, Now,
            TimeSpan.FromMinutes(5));

    [Fact]
    public void One_valid_value_among_others_passes_under_either_secret()
    {
        var at = Now.ToUnixTimeSeconds();
        var wrong = PaymentCallbackSignature.Sign("another-secret-0123456789", at, Body);

        Assert.True(Verify($"{wrong} {PaymentCallbackSignature.Sign(Old, at, Body)}", at));
        Assert.True(Verify($"v2=abc {wrong} {PaymentCallbackSignature.Sign(New, at, Body)}", at));
        Assert.False(Verify($"{wrong} {wrong}", at));
        Assert.False(Verify(PaymentCallbackSignature.Sign(New, at - 301, Body), at - 301));
        Assert.False(Verify(PaymentCallbackSignature.Sign(New, at, Body), at + 1));
    }

    [Fact]
    public void A_header_stuffed_with_values_is_refused_before_any_is_checked()
    {
        var at = Now.ToUnixTimeSeconds();
        var wrong = PaymentCallbackSignature.Sign("another-secret-0123456789", at, Body);
        var stuffed = string.Join(' ', Enumerable.Repeat(wrong, 15))
            + " " + PaymentCallbackSignature.Sign(New, at, Body);

        Assert.True(stuffed.Length > PaymentCallbackSignature.MaxHeaderLength);
        Assert.False(Verify(stuffed, at));
    }
}
