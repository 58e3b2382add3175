using Introserv.BuildingBlocks.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Profile.Data;

public sealed class ProfileDbContext(DbContextOptions<ProfileDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
    }
}
