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

    public static IHostApplicationBuilder AddOrdersServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceHost(Title, "Plans, orders, renewals, plan changes, cancellations, invoices and balance.");
        // Request types are validated from their annotations before a handler runs (400 validation_failed).
        builder.Services.AddValidation();
        builder.AddServiceDatabase<OrdersDbContext>(ResourceNames.OrdersDb);
        builder.AddServiceMessaging<OrdersDbContext>();
        builder.Services.AddScoped<Ledger>();
        builder.Services.AddScoped<Idempotency>();
        builder.Services.AddScoped<KeyedRequests>();
        builder.Services.AddScoped<OrderPlacement>();
        builder.Services.AddOptions<LifecycleOptions>().BindConfiguration(LifecycleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<AddressPoolOptions>().BindConfiguration(AddressPoolOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<IDatabaseSeed<OrdersDbContext>, AddressPoolSeed>();
        builder.Services.AddOptions<DemoCustomerOptions>().BindConfiguration(DemoCustomerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHostedService<DemoSeeder>();
        builder.Services.AddSingleton<LifecycleJob>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LifecycleJob>());
        builder.AddServiceGrpcClient<BillingProfiles.BillingProfilesClient>(builder.Configuration["Services:ProfileGrpc"] is { } profileGrpc ? new Uri(profileGrpc) : ResourceNames.GrpcAddress(ResourceNames.Profile));
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
