using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Profile.Data;
using Introserv.ServiceDefaults;

namespace Introserv.Profile;

public static class ProfileServiceExtensions
{
    public const string Title = "Introserv Profile API";

    public static IHostApplicationBuilder AddProfileServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceHost(Title, "Personal data, email and phone, company details and postal address.");
        builder.AddServiceDatabase<ProfileDbContext>(ResourceNames.ProfileDb);
        builder.AddServiceMessaging<ProfileDbContext>();
        return builder;
    }
}
