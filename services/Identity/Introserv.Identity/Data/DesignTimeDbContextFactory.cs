using Microsoft.EntityFrameworkCore.Design;

namespace Introserv.Identity.Data;

// Lets dotnet ef migrations add build the model without a running database.
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<IdentityServiceDbContext>
{
    // The Identity schema version the running service configures (the passkeys table comes with version 3).
    public IdentityServiceDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<IdentityServiceDbContext>()
            .UseNpgsql("Host=localhost;Database=design_time_only")
            .UseApplicationServiceProvider(new ServiceCollection()
                .Configure<IdentityOptions>(options => options.Stores.SchemaVersion = IdentitySchemaVersions.Version3)
                .BuildServiceProvider())
            .Options);
}
