using Introserv.ServiceDefaults;
using Introserv.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Introserv.IntegrationTests;

/// <summary>
/// The Orders service in-process, against the real local PostgreSQL (a database of its own for this
/// run, dropped afterwards) and RabbitMQ.
/// </summary>
public sealed class OrdersServiceFactory : WebApplicationFactory<Introserv.Orders.Data.OrdersDbContext>, IAsyncLifetime
{
    public string DatabaseName { get; } = LocalInfra.UniqueDatabaseName("orders");

    /// <summary>The real Profile service Orders asks whether an account may pay (gRPC, in-process).</summary>
    public Profile.ProfileServiceFactory Profile { get; } = new();

    public string ConnectionString => LocalInfra.Current.DatabaseConnectionString(DatabaseName);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting($"ConnectionStrings:{ResourceNames.OrdersDb}", ConnectionString);
        builder.UseSetting($"ConnectionStrings:{ResourceNames.RabbitMq}", LocalInfra.Current.RabbitMq);
        builder.UseSetting("Auth:Issuer", TestTokens.Issuer);
        builder.UseSetting("Auth:RequireHttpsMetadata", "false");
        builder.UseSetting("Messaging:EndpointPrefix", $"test-{Guid.NewGuid():N}"[..17]);
        builder.UseSetting("Messaging:TemporaryEndpoints", "true");
        builder.UseSetting("Services:ProfileGrpc", Profile.Server.BaseAddress.ToString());
        builder.ConfigureTestServices(services =>
        {
            services.TrustTestTokens();
            services.UseTestServiceTokens();
            services.AddHttpClient("BillingProfilesClient").ConfigurePrimaryHttpMessageHandler(() => Profile.Server.CreateHandler());
        });
    }

    public HttpClient Api(string token)
    {
        var http = CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public async Task InitializeAsync()
    {
        await Profile.InitializeAsync();
        using var client = CreateClient();
        Assert.Equal("Healthy", await ServiceHealth.WaitForHealthyAsync(client));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await ((IAsyncLifetime)Profile).DisposeAsync();
        await LocalInfra.Current.DropDatabasesAsync(DatabaseName);
    }
}
