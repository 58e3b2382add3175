using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Profile.Consumers;
using Introserv.Profile.Features;
using Introserv.Profile.GrpcServices;
using Introserv.Verification.Grpc;

namespace Introserv.Profile;

public static class ProfileServiceExtensions
{
    public const string Title = "Introserv Profile API";

    // The longest a call to Verification may take: both telephony gateways' timeouts and some margin.
    public static readonly TimeSpan VerificationCallTimeout = TimeSpan.FromSeconds(30);

    public static IHostApplicationBuilder AddProfileServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceHost(Title, "Personal data, email and phone, company details and postal address.");
        // Request types are validated from their annotations before a handler runs (400 validation_failed).
        builder.Services.AddValidation();
        builder.AddServiceDatabase<ProfileDbContext>(ResourceNames.ProfileDb);
        builder.AddServiceMessaging<ProfileDbContext>(bus =>
        {
            bus.AddConsumer<AccountRegisteredConsumer>();
            bus.AddConsumer<PhoneVerifiedConsumer>();
        });
        // Starting or resending a challenge sends a text or places a call, and a confirm spends an attempt: a
        // retried call would do it twice, so this client has a deadline but never the standard handler's retries.
        builder.AddSingleShotServiceGrpcClient<PhoneVerification.PhoneVerificationClient>(
            "VerificationGrpc", ResourceNames.Verification, VerificationCallTimeout);
        return builder;
    }

    public static WebApplication MapProfileServiceEndpoints(this WebApplication app)
    {
        app.MapProfileEndpoints()
            .MapEmailChangeEndpoints()
            .MapEmailConfirmationEndpoints()
            .MapPhoneVerificationEndpoints()
            .MapProfileAuditEndpoints();
        app.MapProfileStaffEndpoints();
        app.MapCountryEndpoints();
        app.MapGrpcService<BillingProfileService>();
        app.MapGrpcService<EmailConfirmationService>();
        return app;
    }
}
