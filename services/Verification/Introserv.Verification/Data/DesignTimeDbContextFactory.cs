using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Introserv.Verification.Data;

// Lets dotnet ef migrations add build the model without a running database.
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<VerificationDbContext>
{
    public VerificationDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<VerificationDbContext>()
            .UseNpgsql("Host=localhost;Database=design_time_only")
            .Options);
}
