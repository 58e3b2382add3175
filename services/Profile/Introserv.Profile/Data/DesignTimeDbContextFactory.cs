using Microsoft.EntityFrameworkCore.Design;

namespace Introserv.Profile.Data;

// Lets dotnet ef migrations add build the model without a running database.
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<ProfileDbContext>
{
    public ProfileDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ProfileDbContext>()
            .UseNpgsql("Host=localhost;Database=design_time_only")
            .Options);
}
