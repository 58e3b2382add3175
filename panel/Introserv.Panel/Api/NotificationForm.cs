using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Introserv.Panel.Gateway.Models;

namespace Introserv.Panel.Api;

// The notification settings form: the news subscription, the low-balance alert (empty: off) and where invoices and
// orders, support answers and complaints are mailed. Checked here first, and again by the API.
public sealed class NotificationForm
{
    public bool News { get; set; }

    [RegularExpression(@"^\s*\d{1,9}([.,]\d{1,2})?\s*$",
        ErrorMessage = "Enter an amount such as 10 or 12.50, or leave it empty for no alert.")]
    public string Threshold { get; set; } = string.Empty;

    public string Currency { get; set; } = "EUR";

    [Required(ErrorMessage = "Enter an address for invoices and orders.")]
    [EmailAddress(ErrorMessage = "Enter an email address.")]
    [StringLength(254, ErrorMessage = "At most 254 characters.")]
    public string InvoicesOrders { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter an address for support.")]
    [EmailAddress(ErrorMessage = "Enter an email address.")]
    [StringLength(254, ErrorMessage = "At most 254 characters.")]
    public string Support { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter an address for complaints.")]
    [EmailAddress(ErrorMessage = "Enter an email address.")]
    [StringLength(254, ErrorMessage = "At most 254 characters.")]
    public string Complaints { get; set; } = string.Empty;

    public static NotificationForm From(SettingsResponse settings, string defaultCurrency)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new NotificationForm
        {
            News = settings.NewsSubscription == true,
            Threshold = settings.BalanceAlertThreshold?.Amount is { } amount
                ? amount.ToString("0.##", CultureInfo.InvariantCulture)
                : string.Empty,
            Currency = settings.BalanceAlertThreshold?.Currency ?? defaultCurrency,
            InvoicesOrders = settings.Emails?.InvoicesOrders ?? string.Empty,
            Support = settings.Emails?.Support ?? string.Empty,
            Complaints = settings.Emails?.Complaints ?? string.Empty,
        };
    }

    // The change to send: every field (the API keeps what is unchanged), the threshold off when left empty.
    public UpdateSettingsRequest ToRequest(int? version)
    {
        var threshold = Threshold.Trim().Replace(',', '.');
        var request = new UpdateSettingsRequest
        {
            NewsSubscription = News,
            BalanceAlertThreshold = threshold.Length == 0
                ? null
                : new Money { Amount = double.Parse(threshold, CultureInfo.InvariantCulture), Currency = Currency },
            InvoicesOrders = InvoicesOrders.Trim(),
            Support = Support.Trim(),
            Complaints = Complaints.Trim(),
            Version = version,
        };
        if (request.BalanceAlertThreshold is null)
        {
            // Turning the alert off is an explicit null: an omitted threshold is left as it was.
            request.AdditionalData["balanceAlertThreshold"] = null!;
        }

        return request;
    }
}
