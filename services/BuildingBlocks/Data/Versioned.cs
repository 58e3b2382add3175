using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Introserv.BuildingBlocks.Data;

// A record a customer edits with optimistic concurrency: its Version is the ETag a client sends back in If-Match
// (configure it as the concurrency token). The version is raised in one place, VersionInterceptor, by one for every
// saved change, whoever makes it.
public interface IVersioned
{
    int Version { get; set; }
}

// Bookkeeping of a versioned entity that is not part of what the customer edits (a sequence a consumer tracks):
// changing it alone does not raise the version.
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotVersionedAttribute : Attribute;

// Raises the IVersioned.Version of every changed versioned entity as it is saved.
public sealed class VersionInterceptor : SaveChangesInterceptor
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, bool> HasVersioned = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Bump(eventData?.Context);
        return base.SavingChanges(eventData!, result);
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Bump(eventData?.Context);
        return base.SavingChangesAsync(eventData!, result, cancellationToken);
    }

    // The version entity will have once the change being made to it is saved: what an event raised in the same
    // transaction carries.
    public static int VersionAfterSave(IVersioned entity) =>
        (entity ?? throw new ArgumentNullException(nameof(entity))).Version + 1;

    private static void Bump(DbContext? context)
    {
        // Most contexts have no versioned entity: they pay nothing (the model is asked once per context type).
        if (context is null
            || !HasVersioned.GetOrAdd(context.GetType(), _ =>
                context.Model.GetEntityTypes().Any(t => typeof(IVersioned).IsAssignableFrom(t.ClrType))))
        {
            return;
        }

        // Saving detects changes only after this runs; the versions must see them first.
        context.ChangeTracker.DetectChanges();
        foreach (var entry in context.ChangeTracker.Entries<IVersioned>())
        {
            if (entry.State == EntityState.Modified && !entry.Property(nameof(IVersioned.Version)).IsModified
                && entry.Properties.Any(p => p.IsModified
                    && p.Metadata.PropertyInfo?.IsDefined(typeof(NotVersionedAttribute), inherit: false) != true))
            {
                entry.Entity.Version++;
            }
        }
    }
}
