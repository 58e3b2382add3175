using System.ComponentModel.DataAnnotations;
using JsonElement = System.Text.Json.JsonElement;
using Introserv.Panel.Api;
using Introserv.Panel.Gateway.Models;
using Microsoft.Kiota.Serialization.Json;

namespace Introserv.Panel.Tests;

// The logic the pages keep outside their markup: request keys across retries, the history filter's days, the
// notification form's request (as the generated client writes it) and how taxes read.
public sealed class PanelFormsTests
{
    private static ApiResult<bool> Failed(int status, string code) => new(false, new ApiProblem(status, code, code));

    [Fact]
    public void A_retry_after_no_answer_or_a_server_failure_sends_the_same_key_and_an_answer_ends_it()
    {
        var keys = new ActionKeys();
        var first = keys.For("renew:1");

        keys.Settle("renew:1", Failed(0, "unreachable"));
        Assert.Equal(first, keys.For("renew:1"));
        keys.Settle("renew:1", Failed(504, "upstream_timeout"));
        Assert.Equal(first, keys.For("renew:1"));
        keys.Settle("renew:1", Failed(409, "idempotency_request_in_progress"));
        Assert.Equal(first, keys.For("renew:1"));
        Assert.NotEqual(first, keys.For("renew:2"));

        keys.Settle("renew:1", new ApiResult<bool>(true, null));
        Assert.False(keys.Holds("renew:1"));
        var next = keys.For("renew:1");
        Assert.NotEqual(first, next);

        keys.Settle("renew:1", Failed(402, "insufficient_balance"));
        Assert.NotEqual(next, keys.For("renew:1"));
    }

    [Fact]
    public void The_history_filter_covers_whole_days_with_the_last_day_included()
    {
        var filter = new HistoryFilter { From = new DateOnly(2026, 3, 1), To = new DateOnly(2026, 3, 31) };

        Assert.Equal(new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Unspecified), filter.FromInstant!.Value.DateTime);
        Assert.Equal(new DateTime(2026, 4, 1, 0, 0, 0, DateTimeKind.Unspecified), filter.ToInstant!.Value.DateTime);
        Assert.Null(new HistoryFilter().FromInstant);
        Assert.Null(new HistoryFilter().ToInstant);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("10", true)]
    [InlineData("12.50", true)]
    [InlineData("12,5", true)]
    [InlineData("-1", false)]
    [InlineData("12.505", false)]
    [InlineData("ten", false)]
    public void The_alert_threshold_is_an_amount_or_empty(string threshold, bool valid)
    {
        var form = new NotificationForm
        {
            Threshold = threshold, InvoicesOrders = "a@example.com", Support = "b@example.com",
            Complaints = "c@example.com",
        };

        Assert.Equal(valid, Validator.TryValidateObject(form, new ValidationContext(form), null, true));
    }

    [Fact]
    public void An_empty_threshold_turns_the_alert_off_with_an_explicit_null()
    {
        var form = new NotificationForm
        {
            News = true, Threshold = " ", InvoicesOrders = " billing@example.com ", Support = "s@example.com",
            Complaints = "c@example.com",
        };

        var body = Serialize(form.ToRequest(version: 3));

        Assert.Equal(JsonValueKind.Null, body.GetProperty("balanceAlertThreshold").ValueKind);
        Assert.Equal("billing@example.com", body.GetProperty("invoicesOrders").GetString());
        Assert.True(body.GetProperty("newsSubscription").GetBoolean());
        Assert.Equal(3, body.GetProperty("version").GetInt32());
        Assert.Single(body.EnumerateObject(), p => p.Name == "balanceAlertThreshold");
    }

    [Fact]
    public void A_threshold_is_sent_as_an_amount_in_the_balance_currency()
    {
        var form = NotificationForm.From(
            new SettingsResponse
            {
                NewsSubscription = false, Version = 1,
                Emails = new NotificationEmails { InvoicesOrders = "i@example.com", Support = "s@example.com" },
            },
            "EUR");
        form.Threshold = "12,5";

        var threshold = Serialize(form.ToRequest(1)).GetProperty("balanceAlertThreshold");

        Assert.Equal(12.5m, threshold.GetProperty("amount").GetDecimal());
        Assert.Equal("EUR", threshold.GetProperty("currency").GetString());
        Assert.Equal(string.Empty, form.Complaints);
    }

    [Fact]
    public void A_tax_reads_as_its_amount_and_rate_or_the_rule_that_charged_none()
    {
        Assert.Equal("4.00 EUR (20 %)",
            Display.Tax(new TaxBreakdown { Rule = "domestic", Tax = 4, TaxRate = 20 }, "EUR"));
        Assert.Equal("Reverse charge", Display.Tax(new TaxBreakdown { Rule = "reverse_charge", Tax = 0 }, "EUR"));
        Assert.Equal("—", Display.Tax(null, "EUR"));
    }

    private static JsonElement Serialize(UpdateSettingsRequest request)
    {
        using var writer = new JsonSerializationWriter();
        writer.WriteObjectValue(null, request);
        using var stream = writer.GetSerializedContent();
        return JsonDocument.Parse(stream).RootElement.Clone();
    }
}
