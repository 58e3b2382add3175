using Aspire.Hosting.Testing;

namespace Introserv.EndToEnd.Tests;

// The Orders section through the gateway, with tokens from Identity and Profile's eligibility over gRPC: a staff
// top-up, an order, a renewal, a plan change by quote, an immediate cancellation by quote, the refund in the
// balance, and the mails Notifications sends for them.
[Collection(StackDefinition.Name)]
public sealed class OrdersThroughGatewayTests(StackFixture stack)
{
    [Fact]
    public async Task A_customer_tops_up_orders_renews_changes_plan_cancels_and_sees_the_refund_in_the_balance()
    {
        var (api, accountId, email) = await stack.RegisterPayingCustomerAsync("ord", 100m);
        using var disposeApi = api;

        var plans = await api.GetFromJsonAsync<JsonElement>("/api/plans");
        Assert.Contains(plans.EnumerateArray(),
            p => p.GetProperty("id").GetString() == "vps-s" && p.GetProperty("type").GetString() == "vps");
        // The customer is in the seller's country (BG): prices show its 20 % VAT, and the balance is charged gross.
        var vpsS = plans.EnumerateArray().Single(p => p.GetProperty("id").GetString() == "vps-s");
        var monthTax = vpsS.GetProperty("periods")[0].GetProperty("tax");
        Assert.Equal(("customer", 9.90m, 1.98m, 11.88m, "domestic"),
            (vpsS.GetProperty("taxFor").GetString(), monthTax.GetProperty("net").GetDecimal(),
                monthTax.GetProperty("tax").GetDecimal(), monthTax.GetProperty("gross").GetDecimal(),
                monthTax.GetProperty("rule").GetString()));

        var (placed, order) = await SendAsync(api, HttpMethod.Post, "/api/orders",
            OrderForms.Body("vps-s", 1), Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, placed);
        Assert.Equal("active", order.GetProperty("status").GetString());
        Assert.Equal(11.88m, order.GetProperty("invoice").GetProperty("amount").GetDecimal());
        Assert.Equal(20m, order.GetProperty("invoice").GetProperty("tax").GetProperty("taxRate").GetDecimal());
        var orderId = order.GetProperty("id").GetGuid();
        // Its invoice as a PDF, through the gateway.
        using (var pdf = await api.GetAsync(new Uri(
            $"/api/invoices/{order.GetProperty("invoice").GetProperty("id").GetGuid()}/pdf", UriKind.Relative)))
        {
            await Expect.StatusAsync(HttpStatusCode.OK, pdf);
            Assert.Equal("application/pdf", pdf.Content.Headers.ContentType?.MediaType);
            Assert.StartsWith("%PDF-", System.Text.Encoding.ASCII.GetString(await pdf.Content.ReadAsByteArrayAsync()),
                StringComparison.Ordinal);
        }

        var (renewed, afterRenewal) = await SendAsync(api, HttpMethod.Post, $"/api/orders/{orderId}/renew",
            new { periodMonths = 1 }, Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.OK, renewed);
        Assert.True(
            afterRenewal.GetProperty("paidUntil").GetDateTimeOffset()
                > order.GetProperty("paidUntil").GetDateTimeOffset().AddDays(27));

        var (_, change) = await SendAsync(api, HttpMethod.Post, $"/api/orders/{orderId}/plan-change/quote",
            new { planId = "vps-m" });
        var (changed, afterChange) = await SendAsync(api, HttpMethod.Post, $"/api/orders/{orderId}/plan-change",
            new { quoteId = change.GetProperty("quoteId").GetGuid() });
        Assert.Equal(HttpStatusCode.OK, changed);
        Assert.Equal("vps-m", afterChange.GetProperty("planId").GetString());
        var upgrade = change.GetProperty("amount").GetDecimal();
        Assert.True(upgrade > 0);

        var (_, cancellation) = await SendAsync(api, HttpMethod.Post, $"/api/orders/{orderId}/cancellation/quote");
        var refund = cancellation.GetProperty("immediate").GetProperty("refund").GetDecimal();
        var refundTax = cancellation.GetProperty("immediate").GetProperty("tax");
        Assert.Equal(refund, refundTax.GetProperty("net").GetDecimal() + refundTax.GetProperty("tax").GetDecimal());
        Assert.Equal(20m, refundTax.GetProperty("taxRate").GetDecimal());
        var (cancelled, afterCancel) = await SendAsync(api, HttpMethod.Post, $"/api/orders/{orderId}/cancellation",
            new
            {
                mode = "immediate",
                quoteId = cancellation.GetProperty("immediate").GetProperty("quoteId").GetGuid(),
                reason = "Testing the panel"
            });
        Assert.Equal(HttpStatusCode.OK, cancelled);
        Assert.Equal("cancelled", afterCancel.GetProperty("status").GetString());

        var balance = await api.GetFromJsonAsync<JsonElement>("/api/balance");
        var entries = balance.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["refund", "plan_change", "renewal_charge", "order_charge", "top_up"],
            entries.Select(e => e.GetProperty("reason").GetString()));
        Assert.Equal(refund, entries[0].GetProperty("amount").GetDecimal());
        Assert.Equal(100m - 11.88m - 11.88m - upgrade + refund, balance.GetProperty("balance").GetDecimal());
        Assert.Equal(balance.GetProperty("balance").GetDecimal(),
            entries.Sum(e => e.GetProperty("amount").GetDecimal()));
        var history = await api.GetFromJsonAsync<JsonElement>("/api/orders/history?status=cancelled");
        Assert.Equal(orderId, Assert.Single(history.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());

        // Notifications mails the refund to the invoices-and-orders address (the account's email by default).
        using var mail = stack.App.CreateHttpClient(ResourceNames.MailDev, ResourceNames.HttpEndpoint);
        await StackFixture.WaitForMailAsync(mail, email, "A refund was credited to your balance");
        // Order mails name the plan as a person reads it and the order's number.
        var number = order.GetProperty("number").GetInt64();
        await StackFixture.WaitForMailAsync(mail, email, $"Order received: VPS S (order {number})");
        await StackFixture.WaitForMailAsync(mail, email, $"Your VPS M (order {number}) was cancelled");
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(
        HttpClient api, HttpMethod method, string path, object? body = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body ?? new { }) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await api.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
