using Introserv.BuildingBlocks.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Orders.Data;

public sealed class OrdersDbContext(DbContextOptions<OrdersDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
    }
}
