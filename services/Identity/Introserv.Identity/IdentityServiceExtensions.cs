using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Data;
using Introserv.ServiceDefaults;

namespace Introserv.Identity;

public static class IdentityServiceExtensions
{
    public const string Title = "Introserv Identity API";

    public static IHostApplicationBuilder AddIdentityServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceHost(Title, "Accounts, sign-in (OpenID Connect) and account security.");
        builder.AddServiceDatabase<IdentityServiceDbContext>(ResourceNames.IdentityDb);
        builder.AddServiceMessaging<IdentityServiceDbContext>();
        return builder;
    }
}
