using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Features.Balance;
using Introserv.Orders.Features.Cancellation;
using Introserv.Orders.Features.Demo;
using Introserv.Orders.Features.Inventory;
using Introserv.Orders.Features.Invoices;
using Introserv.Orders.Features.Lifecycle;
using Introserv.Orders.Features.OrderDetails;
using Introserv.Orders.Features.Payments;
using Introserv.Orders.Features.PlaceOrder;
using Introserv.Orders.Features.PlanChange;
using Introserv.Orders.Features.Plans;
using Introserv.Orders.Features.Renewal;
using Introserv.Profile.Grpc;
using Microsoft.Extensions.Options;

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
        builder.Services.AddSingleton<KeyReleases>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<KeyReleases>());
        builder.Services.AddScoped<OrderPlacement>();
        builder.Services.AddOptions<CallConfirmationOptions>()
            .BindConfiguration(CallConfirmationOptions.Section)
            .ValidateOnStart();
        builder.Services.AddScoped<LargeChargeConfirmation>();
        builder.AddOperationConfirmation();
        builder.Services.AddOptions<LifecycleOptions>()
            .BindConfiguration(LifecycleOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<AddressPoolOptions>()
            .BindConfiguration(AddressPoolOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddScoped<IDatabaseSeed<OrdersDbContext>, AddressPoolSeed>();
        builder.Services.AddOptions<PaymentOptions>()
            .BindConfiguration(PaymentOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHttpClient(HttpPaymentProviders.ClientName);
        builder.Services.AddScoped<IPaymentProviders, HttpPaymentProviders>();
        builder.Services.AddOptions<SellerOptions>().BindConfiguration(SellerOptions.Section);
        builder.Services.AddOptions<InvoiceLinkOptions>()
            .BindConfiguration(InvoiceLinkOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<InvoiceLinks>();
        builder.Services.AddSingleton<PlanCache>();
        builder.Services.AddSingleton<InvoiceRenderSlots>();
        builder.Services.AddScoped<InvoicePdfs>();
        builder.Services.AddOptions<TaxOptions>()
            .BindConfiguration(TaxOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<TaxOptions>>().Value.ToSettings());
        builder.Services.AddOptions<DemoCustomerOptions>()
            .BindConfiguration(DemoCustomerOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHostedService<DemoSeeder>();
        builder.Services.AddSingleton<LifecycleJob>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LifecycleJob>());
        builder.AddServiceGrpcClient<BillingProfiles.BillingProfilesClient>(
            builder.Configuration["Services:ProfileGrpc"] is { } profileGrpc
                ? new Uri(profileGrpc)
                : ResourceNames.GrpcAddress(ResourceNames.Profile));
        return builder;
    }

    public static WebApplication MapOrdersServiceEndpoints(this WebApplication app)
    {
        app.MapPlans();
        app.MapBalance();
        app.MapTopUps();
        app.MapPaymentCallbacks();
        var orders = app.MapGroup("/api/orders").WithTags("Orders").RequireAuthorization();
        orders.MapPlaceOrder();
        orders.MapOrderDetails();
        orders.MapRenewal();
        orders.MapPlanChange();
        orders.MapCancellation();
        app.MapInvoices();
        app.MapInventoryEndpoints();
        return app;
    }
}
