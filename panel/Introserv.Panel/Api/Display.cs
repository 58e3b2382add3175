using System.Globalization;

namespace Introserv.Panel.Api;

// How the panel writes dates, money and statuses.
public static class Display
{
    public static CultureInfo Culture { get; } = CultureInfo.GetCultureInfo("en-GB");

    public static string Date(DateTimeOffset? at) => at?.ToString("d MMM yyyy", Culture) ?? "—";

    public static string Money(double? amount, string? currency) =>
        amount is { } value ? $"{value.ToString("N2", Culture)} {currency}" : "—";

    public static string Money(decimal? amount, string? currency) =>
        amount is { } value ? $"{value.ToString("N2", Culture)} {currency}" : "—";

    public static string Period(int? months) => months switch
    {
        null => "—",
        1 => "month",
        12 => "year",
        _ => $"{months} months",
    };

    public static string Status(string? status) => status switch
    {
        "pending_payment" => "Awaiting payment",
        "active" => "Active",
        "overdue" => "Overdue",
        "suspended" => "Suspended",
        "pending_cancellation" => "Ends at term end",
        "cancelled" => "Cancelled",
        "terminated" => "Terminated",
        null => "—",
        _ => status.Replace('_', ' '),
    };
}
