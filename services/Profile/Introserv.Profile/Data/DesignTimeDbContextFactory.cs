using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Introserv.Profile.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running database.</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<ProfileDbContext>
{
    public ProfileDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ProfileDbContext>()
            .UseNpgsql("Host=localhost;Database=design_time_only")
            .Options);
}
