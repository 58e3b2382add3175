using System.Text.RegularExpressions;
using Introserv.Panel.Gateway.Models;

namespace Introserv.Panel.Api;

// A new order as the person fills it in: the plan, the period, automatic renewal and the plan's order form (GET
// /api/plans, orderForm). The form is checked here as the API checks it (required, choices, length, pattern); the
// API's own field errors ("fields.hostname") are shown too.
public sealed class OrderDraft
{
    public PlanResponse? Plan { get; private set; }

    public int PeriodMonths { get; set; } = 1;

    public bool AutoRenew { get; set; }

    public Dictionary<string, string> Fields { get; } = new(StringComparer.Ordinal);

    public void Choose(PlanResponse plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Plan = plan;
        PeriodMonths = plan.Periods?.FirstOrDefault()?.Months ?? 1;
        var kept = new Dictionary<string, string>(Fields, StringComparer.Ordinal);
        Fields.Clear();
        foreach (var field in plan.OrderForm ?? [])
        {
            // What was entered for a field of the same name stays (a hostname typed before switching plans).
            Fields[field.Name!] = kept.TryGetValue(field.Name!, out var value)
                && (field.Choices is null || field.Choices.Any(c => c.Value == value))
                ? value
                : field.Choices?.FirstOrDefault()?.Value ?? string.Empty;
        }
    }

    public PlanPeriodResponse? Period => Plan?.Periods?.FirstOrDefault(p => p.Months == PeriodMonths);

    // What the first invoice comes to, tax included: the period's price and the setup fee.
    public double? FirstInvoiceGross =>
        Period is { } period ? (period.Tax?.Gross ?? period.Price) + (Plan!.SetupFeeTax?.Gross ?? Plan.SetupFee ?? 0)
            : null;

    // The form's errors by field name; empty when the API would accept it.
    public Dictionary<string, string> Errors()
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in Plan?.OrderForm ?? [])
        {
            var value = Fields.GetValueOrDefault(field.Name!)?.Trim() ?? string.Empty;
            var label = field.Label ?? field.Name;
            if (value.Length == 0)
            {
                if (field.Required == true)
                {
                    errors[field.Name!] = $"{label} is required.";
                }
            }
            else if (value.Length > (field.MaxLength ?? int.MaxValue))
            {
                errors[field.Name!] = $"{label} is at most {field.MaxLength} characters.";
            }
            else if (field.Choices is { } choices && !choices.Any(c => c.Value == value))
            {
                errors[field.Name!] = $"Choose one of the {label?.ToLowerInvariant()} options.";
            }
            else if (field.Pattern is { } pattern && !Regex.IsMatch(
                value.ToLowerInvariant(), pattern, RegexOptions.None, TimeSpan.FromMilliseconds(100)))
            {
                errors[field.Name!] = $"{label} is not valid. {field.Hint}".TrimEnd();
            }
        }

        return errors;
    }

    public PlaceOrderRequest ToRequest()
    {
        var fields = new PlaceOrderRequest_fields();
        foreach (var (name, value) in Fields)
        {
            if (value.Trim().Length > 0)
            {
                fields.AdditionalData[name] = value.Trim();
            }
        }

        return new PlaceOrderRequest
        {
            PlanId = Plan?.Id, PeriodMonths = PeriodMonths, AutoRenew = AutoRenew, Fields = fields,
        };
    }
}
