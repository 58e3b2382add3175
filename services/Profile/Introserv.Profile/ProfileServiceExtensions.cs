using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Profile.Consumers;
using Introserv.Profile.Features;
using Introserv.Profile.GrpcServices;
using Introserv.Verification.Grpc;
using Polly;

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
        var verification = builder.AddServiceGrpcClient<PhoneVerification.PhoneVerificationClient>(
            builder.Configuration["Services:VerificationGrpc"] is { } verificationGrpc
                ? new Uri(verificationGrpc)
                : ResourceNames.GrpcAddress(ResourceNames.Verification));
        // The one way to take back ConfigureHttpClientDefaults' standard handler for a single client.
#pragma warning disable EXTEXP0001
        verification.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        verification.AddResilienceHandler("verification-no-retry", pipeline =>
            pipeline.AddTimeout(VerificationCallTimeout));
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
        return app;
    }
}
