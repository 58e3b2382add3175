using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Verification.Data;
using Introserv.ServiceDefaults;

namespace Introserv.Verification;

public static class VerificationServiceExtensions
{
    public const string Title = "Introserv Verification API";

    public static IHostApplicationBuilder AddVerificationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceHost(Title, "Phone verification by SMS or call and step-up verification of sensitive operations.");
        builder.AddServiceDatabase<VerificationDbContext>(ResourceNames.VerificationDb);
        builder.AddServiceMessaging<VerificationDbContext>();
        builder.AddRedisClient(ResourceNames.Redis);
        return builder;
    }
}
