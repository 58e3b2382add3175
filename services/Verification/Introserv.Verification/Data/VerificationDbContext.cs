using Introserv.BuildingBlocks.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Verification.Data;

public sealed class VerificationDbContext(DbContextOptions<VerificationDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
    }
}
