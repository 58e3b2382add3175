using Microsoft.EntityFrameworkCore.Design;

namespace Introserv.Orders.Data;

// Lets dotnet ef migrations add build the model without a running database.
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<OrdersDbContext>
{
    public OrdersDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<OrdersDbContext>()
            .UseNpgsql("Host=localhost;Database=design_time_only")
            .Options);
}
