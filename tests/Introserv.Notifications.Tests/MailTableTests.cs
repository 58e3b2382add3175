using System.Globalization;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Contracts;
using Introserv.Notifications.Consumers;
using Introserv.Notifications.Data;
using Introserv.Notifications.Features.LowBalanceAlert;
using Introserv.Notifications.Messages;
using Introserv.Orders.Contracts;

namespace Introserv.Notifications.Tests;

public sealed class MailTableTests
{
    [Fact]
    public void Each_event_and_each_message_type_has_one_row()
    {
        Assert.Equal(MailTable.Rows.Count, MailTable.Rows.Select(r => r.EventType).Distinct().Count());
        Assert.Equal(MailTable.Rows.Count, MailTable.Rows.Select(r => r.MessageType).Distinct().Count());
        Assert.All(MailTable.Rows,
            r => Assert.Contains(r.Category, new[] { Categories.Account, Categories.InvoicesOrders }));
    }

    [Fact]
    public void Every_order_event_but_the_balance_change_is_mailed_to_the_invoices_address()
    {
        var orderEvents = typeof(OrderPlaced).Assembly.GetExportedTypes()
            .Where(t => typeof(IIntegrationEvent).IsAssignableFrom(t) && t != typeof(BalanceChanged))
            .ToHashSet();
        var mailed = MailTable.Rows
            .Where(r => r.Category == Categories.InvoicesOrders)
            .Select(r => r.EventType)
            .ToHashSet();

        Assert.NotEmpty(orderEvents);
        Assert.Equal(orderEvents.OrderBy(t => t.Name).Select(t => t.Name),
            mailed.OrderBy(t => t.Name).Select(t => t.Name));
    }

    [Fact]
    public void A_row_goes_to_its_categorys_address_unless_it_names_the_recipient()
    {
        var settings = new NotificationSettings
        {
            AccountEmail = "me@example.com",
            InvoicesOrdersEmail = "billing@example.com",
            SupportEmail = "s@example.com",
            ComplaintsEmail = "c@example.com",
            FirstName = "Ann",
        };
        var placed = new OrderPlaced(
            Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), Guid.NewGuid(), "vps-s", 1, 9m, "EUR");
        var change = new Introserv.Profile.Contracts.EmailChangeRequested(
            Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), Guid.NewGuid(), "me@example.com", "new@example.com",
            "token", DateTimeOffset.UtcNow.AddDays(1));

        Assert.Equal("billing@example.com", MailTable.For<OrderPlaced>().Recipient(placed, settings));
        Assert.Equal("new@example.com",
            MailTable.For<Introserv.Profile.Contracts.EmailChangeRequested>().Recipient(change, settings));
        var content = MailTable.For<OrderPlaced>()
            .Compose(placed, new MailInput(settings, new Introserv.Notifications.NotificationsOptions()));
        Assert.Contains("Ann", content.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Order_mails_name_the_plan_as_a_person_reads_it_and_the_orders_number()
    {
        var settings = new NotificationSettings
        {
            AccountEmail = "me@example.com", InvoicesOrdersEmail = "me@example.com", SupportEmail = "me@example.com",
            ComplaintsEmail = "me@example.com", FirstName = "Ann",
        };
        var input = new MailInput(settings, new Introserv.Notifications.NotificationsOptions());
        var (now, accountId, orderId) = (DateTimeOffset.UtcNow, Guid.NewGuid(), Guid.NewGuid());

        var placed = MailTable.For<OrderPlaced>().Compose(
            new OrderPlaced(Guid.NewGuid(), now, accountId, orderId, "vps-m", 1, 19.9m, "EUR", 100042, "VPS M"), input);
        var renewed = MailTable.For<OrderRenewed>().Compose(
            new OrderRenewed(Guid.NewGuid(), now, accountId, orderId, 1, 19.9m, "EUR", now, 100042, "VPS M"), input);
        var changed = MailTable.For<OrderPlanChanged>().Compose(
            new OrderPlanChanged(
                Guid.NewGuid(), now, accountId, orderId, "vps-m", "vps-l", 9.5m, "EUR", 100042, "VPS M", "VPS L"),
            input);
        // An event written before events carried them: the plan's id, as before.
        var older = MailTable.For<OrderPlaced>().Compose(
            new OrderPlaced(Guid.NewGuid(), now, accountId, orderId, "vps-m", 1, 19.9m, "EUR"), input);

        Assert.Equal("Order received: VPS M (order 100042)", placed.Subject);
        Assert.Contains("your order of VPS M (order 100042) for 1 month(s)", placed.Text, StringComparison.Ordinal);
        Assert.Equal("Your VPS M (order 100042) was renewed", renewed.Subject);
        Assert.Contains("moved from VPS M to VPS L (order 100042)", changed.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("vps-", placed.Text + renewed.Text + changed.Text, StringComparison.Ordinal);
        Assert.Equal("Order received: vps-m", older.Subject);
    }

    [Fact]
    public void A_table_driven_consumer_keeps_the_queue_name_of_a_consumer_class_of_its_own()
    {
        var formatter = new ServiceEndpointNameFormatter("Notifications");

        Assert.Equal("notifications-order-placed", formatter.Consumer<EventMailConsumer<OrderPlaced>>());
        Assert.Equal("notifications-account-registered", formatter.Consumer<AccountRegisteredConsumer>());
    }

    [Theory]
    [InlineData("100", "EUR", false, "99.99", "EUR", true, true)] // falls below: one alert
    [InlineData("100", "EUR", true, "50", "EUR", false, true)] // stays below: no second alert
    [InlineData("100", "EUR", true, "100", "EUR", false, false)] // back at the threshold: armed again
    [InlineData("100", "EUR", false, "10", "USD", false, false)] // another currency: nothing
    [InlineData("100", "EUR", true, "500", "USD", false, true)] // another currency changes no state
    [InlineData(null, null, false, "0", "EUR", false, false)] // no threshold: nothing
    public void The_low_balance_alert_fires_once_per_crossing(
        string? threshold, string? currency, bool wasBelow, string balance, string balanceCurrency, bool alert,
        bool below)
    {
        var outcome = LowBalanceAlertRule.Evaluate(
            threshold is null ? null : decimal.Parse(threshold, CultureInfo.InvariantCulture), currency, wasBelow,
            decimal.Parse(balance, CultureInfo.InvariantCulture), balanceCurrency);

        Assert.Equal(new LowBalanceAlertRule.Outcome(alert, below), outcome);
    }
}
