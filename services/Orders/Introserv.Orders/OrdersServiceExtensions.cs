using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Data;
using Introserv.Orders.Features;
using Introserv.Orders.Money;
using Introserv.ServiceDefaults;

namespace Introserv.Orders;

public static class OrdersServiceExtensions
{
    public const string Title = "Introserv Orders API";

    public static IHostApplicationBuilder AddOrdersServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceHost(Title, "Plans, orders, renewals, plan changes, cancellations, invoices and balance.");
        builder.AddServiceDatabase<OrdersDbContext>(ResourceNames.OrdersDb);
        builder.AddServiceMessaging<OrdersDbContext>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddScoped<Ledger>();
        return builder;
    }

    public static WebApplication MapOrdersServiceEndpoints(this WebApplication app)
    {
        app.MapMoneyEndpoints();
        return app;
    }
}
