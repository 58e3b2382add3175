using Introserv.Identity.Data;
using Introserv.ServiceDefaults;
using Introserv.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Introserv.IntegrationTests.Identity;

/// <summary>The Identity service in-process against the real local PostgreSQL (own database) and RabbitMQ.</summary>
public sealed class IdentityServiceFactory : WebApplicationFactory<IdentityServiceDbContext>, IAsyncLifetime
{
    public string DatabaseName { get; } = LocalInfra.UniqueDatabaseName("identity");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting($"ConnectionStrings:{ResourceNames.IdentityDb}", LocalInfra.Current.DatabaseConnectionString(DatabaseName));
        builder.UseSetting($"ConnectionStrings:{ResourceNames.RabbitMq}", LocalInfra.Current.RabbitMq);
        builder.UseSetting("Auth:Issuer", "http://identity.test/");
        builder.UseSetting("Auth:RequireHttpsMetadata", "false");
    }

    public async Task InitializeAsync()
    {
        using var client = CreateClient();
        Assert.Equal("Healthy", await ServiceHealth.WaitForHealthyAsync(client));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await LocalInfra.Current.DropDatabasesAsync(DatabaseName);
    }
}
