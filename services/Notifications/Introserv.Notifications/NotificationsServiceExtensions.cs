using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Notifications.Consumers;
using Introserv.Notifications.Data;
using Introserv.Notifications.Delivery;
using Introserv.Notifications.Features;
using Introserv.Notifications.Features.LowBalanceAlert;
using Introserv.Notifications.Messages;
using Introserv.Notifications.Webhooks;
using Introserv.ServiceDefaults;

namespace Introserv.Notifications;

public static class NotificationsServiceExtensions
{
    public const string Title = "Introserv Notifications API";

    public static IHostApplicationBuilder AddNotificationsServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceHost(Title, "Notification settings and the log of what was sent.");
        // Request types are validated from their annotations before a handler runs (400 validation_failed).
        builder.Services.AddValidation();
        builder.AddServiceDatabase<NotificationsDbContext>(ResourceNames.NotificationsDb);
        // Webhooks:Enabled (default true): false records no event for webhooks and delivers none (no queue, no
        // dispatcher); staff can still manage endpoints.
        var webhooks = builder.Configuration.GetValue($"{WebhookOptions.SectionName}:Enabled", true);
        builder.AddServiceMessaging<NotificationsDbContext>(bus =>
        {
            bus.AddConsumer<AccountRegisteredConsumer>();
            bus.AddConsumer<EmailChangedConsumer>();
            bus.AddConsumer<EmailConfirmedConsumer>();
            bus.AddConsumer<LowBalanceAlertConsumer>();
            bus.AddMailConsumers();
            if (webhooks)
            {
                bus.AddConsumer<WebhookEventsConsumer>(typeof(WebhookEventsConsumerDefinition));
            }
        });
        builder.Services
            .AddOptions<NotificationsOptions>()
            .BindConfiguration(NotificationsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.AddMailDelivery();
        // A change of notification addresses asks Identity (gRPC) whether it needs a confirmation by call.
        builder.AddOperationConfirmation();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeliveryWorker>());
        builder.AddWebhookDelivery();
        if (webhooks)
        {
            builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        }

        return builder;
    }

    // The SMTP sender and the delivery worker (not started here: the service hosts it, the mail benchmark drives it).
    public static IHostApplicationBuilder AddMailDelivery(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services
            .AddOptions<SmtpOptions>()
            .BindConfiguration(SmtpOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<MailSender>();
        builder.Services.AddSingleton<DeliveryWorker>();
        return builder;
    }

    // Signed deliveries of the suite's events to the endpoints staff register (Webhooks/).
    public static IHostApplicationBuilder AddWebhookDelivery(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services
            .AddOptions<WebhookOptions>()
            .BindConfiguration(WebhookOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.Lease > o.Timeout, "Webhooks:Lease must be longer than Webhooks:Timeout.")
            .Validate(o => builder.Environment.IsDevelopment() || WebhookOptions.ReadKey(o.SecretKey) is not null,
                "Webhooks:SecretKey (base64 of 32 random bytes, the key webhook signing secrets are encrypted " +
                "under) is required outside Development.")
            .Validate(o => string.IsNullOrWhiteSpace(o.PreviousSecretKey)
                    || WebhookOptions.ReadKey(o.PreviousSecretKey) is not null,
                "Webhooks:PreviousSecretKey must be empty or base64 of 32 bytes.")
            .ValidateOnStart();
        builder.Services.AddSingleton<WebhookSignal>();
        builder.Services.AddSingleton<WebhookSecretProtector>();
        builder.Services.AddSingleton<WebhookHttp>();
        builder.Services.AddSingleton<WebhookDispatcher>();
        return builder;
    }

    public static WebApplication MapNotificationsServiceEndpoints(this WebApplication app)
    {
        app.MapNotificationEndpoints();
        app.MapWebhookEndpoints();
        app.MapNewsEndpoints();
        return app;
    }
}
