using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Introserv.Orders.Features.Invoices;

// Orders:InvoiceLinks: the invoice mail's link to the invoice's PDF. A link names the account and the invoice, ends
// at a time and is signed with the first of SigningKeys (empty entries are skipped). Every key listed verifies, so
// a key is rotated by putting the new one first and dropping the old one once the links it signed have ended.
// Without PublicBaseUrl the mails carry no link.
public sealed class InvoiceLinkOptions : IValidatableObject
{
    public const string Section = "Orders:InvoiceLinks";

    public const int MinimumKeyLength = 32;

    // The gateway's public address, e.g. https://billing.example.com/.
    public Uri? PublicBaseUrl { get; set; }

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromDays(30);

    public IList<string> SigningKeys { get; set; } = [];

    // The keys configured (an empty entry, e.g. an unset previous key from a Secret, is none).
    public IEnumerable<string> Keys() => SigningKeys.Where(k => !string.IsNullOrEmpty(k));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Lifetime < TimeSpan.FromHours(1) || Lifetime > TimeSpan.FromDays(366))
        {
            yield return new ValidationResult("Lifetime: from 1 hour to 366 days.", [nameof(Lifetime)]);
        }

        if (PublicBaseUrl is null)
        {
            yield break;
        }

        if (!PublicBaseUrl.IsAbsoluteUri || PublicBaseUrl.Scheme is not ("https" or "http"))
        {
            yield return new ValidationResult(
                "PublicBaseUrl: the gateway's absolute http(s) address.", [nameof(PublicBaseUrl)]);
        }

        var keys = Keys().ToList();
        if (keys.Count == 0 || keys.Any(k => k.Length < MinimumKeyLength))
        {
            yield return new ValidationResult(
                $"SigningKeys: at least one key, each at least {MinimumKeyLength} characters, when PublicBaseUrl " +
                "is set.", [nameof(SigningKeys)]);
        }
    }
}

// What a link's check found.
public enum InvoiceLinkCheck
{
    Valid,
    Invalid,
    Expired,
}

// Signs and checks invoice PDF links: GET /api/invoice-links/{account}/{invoice}/pdf?expires=…&signature=…, where
// signature is the base64url HMAC-SHA256 of "invoice-pdf:{account}:{invoice}:{expires}" (ids as 32 hex digits,
// expires in Unix seconds). The gateway applies the named account's IP allow-list to the link.
public sealed class InvoiceLinks(IOptions<InvoiceLinkOptions> options)
{
    public const string PathPrefix = "/api/invoice-links";

    // A signature is 32 bytes, 43 characters in base64url; anything much longer is not read.
    private const int MaxSignatureLength = 64;

    private readonly InvoiceLinkOptions _settings = options.Value;

    private readonly byte[][] _keys = [.. options.Value.Keys().Select(k => Encoding.UTF8.GetBytes(k))];

    // The link for an invoice issued at now, or null when links are not configured.
    public string? For(Guid accountId, Guid invoiceId, DateTimeOffset now)
    {
        if (_settings.PublicBaseUrl is null || _keys.Length == 0)
        {
            return null;
        }

        var expires = (now + _settings.Lifetime).ToUnixTimeSeconds();
        var signature = WebEncoders.Base64UrlEncode(Mac(_keys[0], accountId, invoiceId, expires));
        var path = string.Create(
            CultureInfo.InvariantCulture,
            $"{PathPrefix.TrimStart('/')}/{accountId:D}/{invoiceId:D}/pdf?expires={expires}&signature={signature}");
        return new Uri(_settings.PublicBaseUrl, path).ToString();
    }

    public InvoiceLinkCheck Check(
        Guid accountId, Guid invoiceId, string? expires, string? signature, DateTimeOffset now)
    {
        if (_keys.Length == 0
            || expires is not { Length: > 0 and <= 12 }
            || !long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var expiresAt)
            || signature is not { Length: > 0 and <= MaxSignatureLength })
        {
            return InvoiceLinkCheck.Invalid;
        }

        byte[] given;
        try
        {
            given = WebEncoders.Base64UrlDecode(signature);
        }
        catch (FormatException)
        {
            return InvoiceLinkCheck.Invalid;
        }

        if (!_keys.Any(key => CryptographicOperations.FixedTimeEquals(
            Mac(key, accountId, invoiceId, expiresAt), given)))
        {
            return InvoiceLinkCheck.Invalid;
        }

        // Checked after the signature, so an expiry is only ever reported for a link this service made.
        return now.ToUnixTimeSeconds() < expiresAt ? InvoiceLinkCheck.Valid : InvoiceLinkCheck.Expired;
    }

    private static byte[] Mac(byte[] key, Guid accountId, Guid invoiceId, long expires) =>
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(string.Create(
            CultureInfo.InvariantCulture, $"invoice-pdf:{accountId:N}:{invoiceId:N}:{expires}")));
}
