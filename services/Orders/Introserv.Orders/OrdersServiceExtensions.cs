using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Data;
using Introserv.Orders.Features;
using Introserv.Orders.Features.Inventory;
using Introserv.Orders.Money;
using Introserv.Profile.Grpc;
using Introserv.ServiceDefaults;

namespace Introserv.Orders;

public static class OrdersServiceExtensions
{
    public const string Title = "Introserv Orders API";

    /// <summary>The Profile service's gRPC endpoint (service discovery): may an account pay.</summary>
    public const string ProfileGrpcAddress = "http://_grpc.profile";

    public static IHostApplicationBuilder AddOrdersServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceHost(Title, "Plans, orders, renewals, plan changes, cancellations, invoices and balance.");
        builder.AddServiceDatabase<OrdersDbContext>(ResourceNames.OrdersDb);
        builder.AddServiceMessaging<OrdersDbContext>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddScoped<Ledger>();
        builder.Services.AddScoped<Idempotency>();
        builder.Services.AddScoped<KeyedRequests>();
        builder.Services.AddScoped<OrderPlacement>();
        builder.Services.AddOptions<LifecycleOptions>().Bind(builder.Configuration.GetSection(LifecycleOptions.Section))
            .Validate(o => o.Interval > TimeSpan.Zero && o.OverdueGrace >= TimeSpan.Zero && o.SuspensionGrace >= TimeSpan.Zero && o.PaymentWindow > TimeSpan.Zero && o.BatchSize > 0,
                "Orders:Lifecycle needs a positive Interval, PaymentWindow and BatchSize and grace periods of zero or more.")
            .ValidateOnStart();
        builder.Services.AddOptions<AddressPoolOptions>().BindConfiguration(AddressPoolOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<IDatabaseSeed<OrdersDbContext>, AddressPoolSeed>();
        builder.Services.AddOptions<DemoCustomerSettings>().Bind(builder.Configuration.GetSection(DemoCustomerSettings.Section));
        builder.Services.AddHostedService<DemoSeeder>();
        builder.Services.AddSingleton<LifecycleJob>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LifecycleJob>());
        builder.AddServiceGrpcClient<BillingProfiles.BillingProfilesClient>(new Uri(builder.Configuration["Services:ProfileGrpc"] ?? ProfileGrpcAddress));
        return builder;
    }

    public static WebApplication MapOrdersServiceEndpoints(this WebApplication app)
    {
        app.MapMoneyEndpoints();
        app.MapOrderEndpoints();
        app.MapInventoryEndpoints();
        return app;
    }
}
