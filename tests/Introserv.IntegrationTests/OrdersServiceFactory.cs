using Introserv.ServiceDefaults;
using Introserv.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Introserv.IntegrationTests;

/// <summary>
/// The Orders service in-process, against the real local PostgreSQL (a database of its own for this
/// run, dropped afterwards) and RabbitMQ.
/// </summary>
public sealed class OrdersServiceFactory : WebApplicationFactory<Introserv.Orders.Data.OrdersDbContext>, IAsyncLifetime
{
    public string DatabaseName { get; } = LocalInfra.UniqueDatabaseName("orders");

    public string ConnectionString => LocalInfra.Current.DatabaseConnectionString(DatabaseName);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting($"ConnectionStrings:{ResourceNames.OrdersDb}", ConnectionString);
        builder.UseSetting($"ConnectionStrings:{ResourceNames.RabbitMq}", LocalInfra.Current.RabbitMq);
        builder.UseSetting("Auth:Issuer", "http://identity.test/");
        builder.UseSetting("Auth:RequireHttpsMetadata", "false");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await LocalInfra.Current.DropDatabasesAsync(DatabaseName);
    }
}
