using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Gateway.Access;
using Introserv.Gateway.AllowLists;
using Introserv.Gateway.Docs;
using Introserv.Gateway.Edge;
using Introserv.Identity.Grpc;
using Introserv.ServiceDefaults;
using Yarp.ReverseProxy.Transforms;

namespace Introserv.Gateway;

public static class GatewayServiceExtensions
{

    public static IHostApplicationBuilder AddGatewayServices(this IHostApplicationBuilder builder)
    {
        // Redis only caches: fail at once while it is down rather than queue requests behind it.
        builder.AddRedisClient(ResourceNames.Redis, configureOptions: options =>
        {
            options.AbortOnConnectFail = false;
            options.BacklogPolicy = StackExchange.Redis.BacklogPolicy.FailFast;
            options.ConnectTimeout = Math.Min(options.ConnectTimeout, 2000);
            options.AsyncTimeout = Math.Min(options.AsyncTimeout, 1000);
        });
        builder.AddIntroservAuthentication();
        builder.AddEdgePolicies();
        builder.AddApiReference();

        // Routes and clusters come from configuration (section ReverseProxy); cluster destinations
        // are service names that service discovery resolves. The services learn the client's address,
        // scheme and host from X-Forwarded-* headers the gateway sets (replacing any a client sent).
        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddServiceDiscoveryDestinationResolver()
            .AddTransforms(context =>
            {
                context.UseDefaultForwarders = false;
                context.AddXForwarded(ForwardedTransformActions.Set);
                // Headers that name a client address are set by the gateway alone.
                context.RequestTransforms.Add(new RequestHeaderRemoveTransform("Forwarded"));
                context.RequestTransforms.Add(new RequestHeaderRemoveTransform("X-Real-IP"));
                context.RequestTransforms.Add(new RequestHeaderRemoveTransform("X-Original-For"));
            });

        builder.Services
            .AddOptions<AllowListOptions>()
            .BindConfiguration(AllowListOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // Identity answers the gateway's gRPC calls only with the gateway's service token.
        builder.AddServiceGrpcClient<AccountAccess.AccountAccessClient>(
            ResourceNames.GrpcAddress(ResourceNames.Identity));
        builder.Services.AddSingleton<AllowListCache>();
        builder.Services.AddHostedService<AllowListInvalidationListener>();
        builder.Services.AddHostedService<IdentityWarmup>();
        builder.Services.AddSingleton<LastAccessReporter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LastAccessReporter>());
        builder.AddServiceMessaging(bus => bus.AddConsumer<AllowListChangedConsumer>());
        return builder;
    }

    // The gateway pipeline: client address, errors, no token in URLs, CORS, token, rate limit, allow-list, then the
    // proxy.
    public static WebApplication UseGateway(this WebApplication app)
    {
        app.UseIntroservForwardedHeaders();
        app.UseIntroservProblemDetails();
        app.UseMiddleware<TokenInQueryRefusal>();
        app.UseCors();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseMiddleware<AllowListEnforcement>();
        app.MapDefaultEndpoints();
        app.MapApiReference();
        app.MapReverseProxy();
        app.MapFallback(GatewayProblems.RouteNotFound);
        return app;
    }
}
