using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Profile.Consumers;
using Introserv.Profile.Data;
using Introserv.Profile.Features;
using Introserv.Profile.GrpcServices;
using Introserv.ServiceDefaults;
using Introserv.Verification.Grpc;

namespace Introserv.Profile;

public static class ProfileServiceExtensions
{
    public const string Title = "Introserv Profile API";

    /// <summary>The Verification service's gRPC endpoint (service discovery).</summary>
    public const string VerificationGrpcAddress = "http://_grpc.verification";

    public static IHostApplicationBuilder AddProfileServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceHost(Title, "Personal data, email and phone, company details and postal address.");
        builder.AddServiceDatabase<ProfileDbContext>(ResourceNames.ProfileDb);
        builder.AddServiceMessaging<ProfileDbContext>(bus =>
        {
            bus.AddConsumer<AccountRegisteredConsumer>();
            bus.AddConsumer<PhoneVerifiedConsumer>();
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddServiceGrpcClient<PhoneVerification.PhoneVerificationClient>(
            new Uri(builder.Configuration["Services:VerificationGrpc"] ?? VerificationGrpcAddress));
        return builder;
    }

    public static WebApplication MapProfileServiceEndpoints(this WebApplication app)
    {
        app.MapProfileEndpoints()
            .MapEmailChangeEndpoints()
            .MapPhoneVerificationEndpoints()
            .MapProfileAuditEndpoints();
        app.MapProfileStaffEndpoints();
        app.MapGrpcService<BillingProfileService>();
        return app;
    }
}
