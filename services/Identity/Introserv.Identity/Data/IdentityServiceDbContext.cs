using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Features.Registration;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Identity.Data;

public sealed class IdentityServiceDbContext(DbContextOptions<IdentityServiceDbContext> options)
    : IdentityDbContext<Account, IdentityRole<Guid>, Guid>(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.AddOutboxAndInbox();
        builder.Entity<Account>(account =>
        {
            account.Property(a => a.FirstName).HasMaxLength(RegistrationRules.NameMaxLength);
            account.Property(a => a.LastName).HasMaxLength(RegistrationRules.NameMaxLength);
        });
    }
}
