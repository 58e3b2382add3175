using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Notifications.Consumers;
using Introserv.Notifications.Data;
using Introserv.Notifications.Delivery;
using Introserv.Notifications.Features;
using Introserv.ServiceDefaults;

namespace Introserv.Notifications;

public static class NotificationsServiceExtensions
{
    public const string Title = "Introserv Notifications API";

    public static IHostApplicationBuilder AddNotificationsServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceHost(Title, "Notification settings and the log of what was sent.");
        builder.AddServiceDatabase<NotificationsDbContext>(ResourceNames.NotificationsDb);
        builder.AddServiceMessaging<NotificationsDbContext>(bus =>
        {
            bus.AddConsumer<AccountRegisteredConsumer>();
            bus.AddConsumer<PasswordChangedConsumer>();
            bus.AddConsumer<IpAllowListChangedConsumer>();
            bus.AddConsumer<SecurityCodeSetConsumer>();
            bus.AddConsumer<TwoFactorChangedConsumer>();
            bus.AddConsumer<EmailChangeRequestedConsumer>();
            bus.AddConsumer<EmailChangedConsumer>();
            bus.AddConsumer<BalanceChangedConsumer>();
            bus.AddConsumer<OrderPlacedConsumer>();
            bus.AddConsumer<OrderActivatedConsumer>();
            bus.AddConsumer<OrderRenewedConsumer>();
            bus.AddConsumer<InvoiceIssuedConsumer>();
            bus.AddConsumer<InvoicePaidConsumer>();
            bus.AddConsumer<OrderPlanChangedConsumer>();
            bus.AddConsumer<OrderCancellationScheduledConsumer>();
            bus.AddConsumer<OrderCancellationWithdrawnConsumer>();
            bus.AddConsumer<OrderCancelledConsumer>();
            bus.AddConsumer<OrderOverdueConsumer>();
            bus.AddConsumer<OrderSuspendedConsumer>();
            bus.AddConsumer<OrderTerminatedConsumer>();
            bus.AddConsumer<RefundIssuedConsumer>();
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<NotificationsSettings>()
            .Bind(builder.Configuration.GetSection(NotificationsSettings.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<SmtpSettings>()
            .Bind(builder.Configuration.GetSection(SmtpSettings.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<MailSender>();
        builder.Services.AddSingleton<DeliveryWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeliveryWorker>());
        return builder;
    }

    public static WebApplication MapNotificationsServiceEndpoints(this WebApplication app)
    {
        app.MapNotificationEndpoints();
        app.MapNewsEndpoints();
        return app;
    }
}
