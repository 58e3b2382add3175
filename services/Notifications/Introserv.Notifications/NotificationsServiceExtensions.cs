using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Notifications.Data;
using Introserv.ServiceDefaults;

namespace Introserv.Notifications;

public static class NotificationsServiceExtensions
{
    public const string Title = "Introserv Notifications API";

    public static IHostApplicationBuilder AddNotificationsServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceHost(Title, "Notification settings and the log of what was sent.");
        builder.AddServiceDatabase<NotificationsDbContext>(ResourceNames.NotificationsDb);
        builder.AddServiceMessaging<NotificationsDbContext>();
        return builder;
    }
}
