using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.ServiceDefaults;
using Introserv.Verification.Challenges;
using Introserv.Verification.Data;
using Introserv.Verification.Features;
using Introserv.Verification.GrpcServices;
using Introserv.Verification.Telephony;

namespace Introserv.Verification;

public static class VerificationServiceExtensions
{
    public const string Title = "Introserv Verification API";

    public static IHostApplicationBuilder AddVerificationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceHost(
            Title, "Phone verification by SMS or call and step-up verification of sensitive operations.");
        // Request types are validated from their annotations before a handler runs (400 validation_failed).
        builder.Services.AddValidation();
        builder.AddServiceDatabase<VerificationDbContext>(ResourceNames.VerificationDb);
        builder.AddServiceMessaging<VerificationDbContext>(bus =>
            bus.AddConsumer<Consumers.CallConfirmationChangedConsumer>());
        builder.AddRedisClient(ResourceNames.Redis, configureOptions: ChallengeStoreOutage.Configure);
        builder.Services.AddExceptionHandler<ChallengeStoreOutage.HttpHandler>();
        builder.Services.AddGrpc(options => options.Interceptors.Add<ChallengeStoreOutage.GrpcInterceptor>());

        builder.Services
            .AddOptions<VerificationOptions>()
            .BindConfiguration(VerificationOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services
            .AddOptions<TelephonyOptions>()
            .BindConfiguration(TelephonyOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<ICodeGenerator, RandomCodeGenerator>();
        builder.Services.AddSingleton<CodeHasher>();
        builder.Services.AddSingleton<ChallengeStore>();
        builder.Services.AddSingleton<SendLimits>();
        builder.Services.AddSingleton<TelephonyBudgets>();
        builder.Services.AddSingleton<VerificationMetrics>();
        builder.Services.AddSingleton<SendGuard>();
        builder.Services.AddSingleton<StepUpTokens>();
        builder.Services.AddScoped<TelephonyDispatcher>();
        builder.Services.AddScoped<ChallengeService>();

        // Not from IHttpClientFactory: its default resilience handler retries, and a retried request to a
        // telephony provider can be a second text message. The fallback is the other gateway instead.
        builder.Services.AddSingleton(_ => new HttpTelephonyGateway(new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each gateway's own Timeout applies
        }));
        return builder;
    }

    public static WebApplication MapVerificationEndpoints(this WebApplication app)
    {
        app.MapChallengeEndpoints();
        app.MapVerificationStaffEndpoints();
        app.MapGrpcService<PhoneVerificationService>();
        return app;
    }
}
