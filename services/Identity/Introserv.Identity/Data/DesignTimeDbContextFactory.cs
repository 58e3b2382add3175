using Microsoft.EntityFrameworkCore.Design;

namespace Introserv.Identity.Data;

// Lets dotnet ef migrations add build the model without a running database.
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<IdentityServiceDbContext>
{
    public IdentityServiceDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<IdentityServiceDbContext>()
            .UseNpgsql("Host=localhost;Database=design_time_only")
            .Options);
}
