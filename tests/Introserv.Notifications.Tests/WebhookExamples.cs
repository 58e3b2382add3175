using Introserv.Contracts;
using Introserv.Identity.Contracts;
using Introserv.Orders.Contracts;
using Introserv.Profile.Contracts;
using Introserv.Verification.Contracts;

namespace Introserv.Notifications.Tests;

// One event of every type WebhookCatalogue delivers, about one account and one order, a millisecond apart in the
// order listed: for the tests and for the README's event catalogue.
public static class WebhookExamples
{
    public static readonly Guid AccountId = Guid.Parse("0193a0c4-7d2e-7b5a-9a51-3f0d2c8e4b17");
    public static readonly Guid OrderId = Guid.Parse("0193a0c4-8a10-7c44-8e2b-5b9f1d7a6c03");
    public static readonly DateTimeOffset At = new(2026, 12, 5, 10, 30, 0, TimeSpan.Zero);

    public static IReadOnlyList<IIntegrationEvent> All(Guid? accountId = null, Guid? orderId = null)
    {
        var account = accountId ?? AccountId;
        var order = orderId ?? OrderId;
        var invoice = Guid.Parse("0193a0c4-8a11-7d0e-b0c1-2a4e6f8d0b15");
        var n = 0;
        var staff = Guid.Parse("0193a0c4-6b00-7a11-8c3d-9e0f1a2b3c4d");
        DateTimeOffset Next() => At.AddMilliseconds(n++);
        Guid Id() => Guid.NewGuid();
        return
        [
            new AccountRegistered(Id(), Next(), account, "ana.lee", "ana.lee@example.com", "Ana", "Lee"),
            new ProfileUpdated(Id(), Next(), account, ["city", "address", "postalAddress"]),
            new CompanyVerificationChanged(Id(), Next(), account, "approved", null, staff),
            new CountryChanged(Id(), Next(), account, "DE", "AT", "Moved to Vienna", staff),
            new PhoneVerified(Id(), Next(), account, "+359881234567", Guid.NewGuid(), "sms"),
            new EmailChanged(Id(), Next(), account, "ana.lee@example.com", "ana@example.org", 4),
            new TopUpCompleted(Id(), Next(), account, Guid.Parse("0193a0c4-7f01-7e22-a1b2-c3d4e5f60718"), 100m, "EUR",
                "card", "succeeded", null, 100m),
            new BalanceChanged(Id(), Next(), account, 100m, "EUR", 100m, "top_up", 1),
            new OrderPlaced(Id(), Next(), account, order, "vps-m", 1, 11.90m, "EUR", 100042, "VPS M"),
            new InvoiceIssued(Id(), Next(), account, invoice, order, "order", 11.90m, "EUR", "2026-000042",
                "https://panel.example/api/invoices/x/pdf?sig=secret"),
            new InvoicePaid(Id(), Next(), account, invoice, order, 11.90m, "EUR", "2026-000042"),
            new OrderActivated(Id(), Next(), account, order, "vps-m", "203.0.113.10", At.AddMonths(1), 100042,
                "VPS M"),
            new OrderRenewed(Id(), Next(), account, order, 1, 11.90m, "EUR", At.AddMonths(2), 100042, "VPS M"),
            new OrderPlanChanged(Id(), Next(), account, order, "vps-m", "vps-l", 6.50m, "EUR", 100042, "VPS M",
                "VPS L"),
            new OrderCancellationScheduled(Id(), Next(), account, order, "vps-l", At.AddMonths(2), "No longer needed",
                100042, "VPS L"),
            new OrderCancellationWithdrawn(Id(), Next(), account, order, "vps-l", 100042, "VPS L"),
            new OrderOverdue(Id(), Next(), account, order, "vps-l", At.AddMonths(2), At.AddMonths(2).AddDays(3),
                100042, "VPS L"),
            new OrderSuspended(Id(), Next(), account, order, "vps-l", At.AddMonths(2).AddDays(10), 100042, "VPS L"),
            new OrderTerminated(Id(), Next(), account, order, "vps-l", "203.0.113.10", 100042, "VPS L"),
            new OrderCancelled(Id(), Next(), account, order, "vps-l", "immediate", 5.95m, "EUR", "Moving", 100042,
                "VPS L"),
            new RefundIssued(Id(), Next(), account, order, Guid.Parse("0193a0c4-9c02-7f33-b2c3-d4e5f6071829"), 5.95m,
                "EUR", "cancellation", 5.00m, 0.95m, 19m),
        ];
    }
}
