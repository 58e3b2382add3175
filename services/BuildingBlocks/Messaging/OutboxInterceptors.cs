using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Introserv.BuildingBlocks.Messaging;

/// <summary>Signals the dispatcher after changes that include outbox rows were saved outside a transaction.</summary>
public sealed class OutboxSaveChangesInterceptor<TContext> : SaveChangesInterceptor
    where TContext : DbContext
{
    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context?.Database.CurrentTransaction is null)
        {
            OutboxSignal<TContext>.Instance.Notify();
        }

        return ValueTask.FromResult(result);
    }
}

/// <summary>Signals the dispatcher when an explicit transaction commits.</summary>
public sealed class OutboxTransactionInterceptor<TContext> : DbTransactionInterceptor
    where TContext : DbContext
{
    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        OutboxSignal<TContext>.Instance.Notify();
        return Task.CompletedTask;
    }
}
