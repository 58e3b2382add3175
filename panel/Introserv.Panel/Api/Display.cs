using System.Globalization;
using Introserv.Panel.Gateway.Models;

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

    public static string DateTime(DateTimeOffset? at) =>
        at?.ToLocalTime().ToString("d MMM yyyy, HH:mm", Culture) ?? "—";

    // A ledger entry's reason as a person reads it.
    public static string LedgerReason(string? reason) => reason switch
    {
        "top_up" => "Payment received",
        "order_charge" => "New order",
        "renewal_charge" => "Renewal",
        "plan_change" => "Plan change",
        "refund" => "Refund",
        null => "—",
        _ => reason.Replace('_', ' '),
    };

    public static string InvoiceStatus(string? status) => status switch
    {
        "unpaid" => "Unpaid",
        "paid" => "Paid",
        "void" => "Void",
        null => "—",
        _ => status.Replace('_', ' '),
    };

    public static string TopUpStatus(string? status) => status switch
    {
        "pending" => "Waiting for the provider",
        "succeeded" => "Credited",
        "failed" => "Failed",
        "expired" => "Expired",
        null => "—",
        _ => status.Replace('_', ' '),
    };

    // An invoice's tax: its amount and rate, or the rule that charged none.
    public static string Tax(TaxBreakdown? tax, string? currency) => tax switch
    {
        null => "—",
        { Rule: "reverse_charge" } => "Reverse charge",
        { Rule: "outside_eu" } => "No VAT (outside the EU)",
        { TaxRate: { } rate } => $"{Money(tax.Tax, currency)} ({rate.ToString("0.##", Culture)} %)",
        _ => Money(tax.Tax, currency),
    };

    // An audit entry's action ("ip_allow_list_changed") as a short phrase ("Ip allow list changed").
    public static string AuditAction(string? action) =>
        string.IsNullOrEmpty(action) ? "—" : char.ToUpperInvariant(action[0]) + action[1..].Replace('_', ' ');

    public static string SecondFactor(string? method) => method switch
    {
        "totp" => "an authenticator app",
        "phone" => "codes to your phone",
        "passkey" => "a passkey",
        "recovery_code" => "recovery codes",
        null => "—",
        _ => method,
    };
}
