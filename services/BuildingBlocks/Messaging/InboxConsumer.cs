using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Introserv.BuildingBlocks.Messaging;

// Base of every consumer that changes state: it records (consumer, message id) in the inbox and applies the effect in
// one transaction, so a redelivered or duplicated message changes nothing. Events the handler raises through the outbox
// commit in the same transaction. An exception rolls everything back; MassTransit retries, then moves the message to
// _error.
public abstract class InboxConsumer<TContext, TMessage>(TContext db) : IConsumer<TMessage>
    where TContext : DbContext
    where TMessage : class
{
    protected TContext Db { get; } = db;

    // The name recorded in the inbox; stable across deployments (defaults to the type name).
    protected virtual string ConsumerName => GetType().FullName!;

    public async Task Consume(ConsumeContext<TMessage> context)
    {
        var messageId = context.MessageId
            ?? throw new InvalidOperationException($"{typeof(TMessage).Name} arrived without a message id.");
        var clock = context.GetServiceOrCreateInstance<TimeProvider>();
        var strategy = Db.Database.CreateExecutionStrategy();
        var applied = await strategy.ExecuteAsync(async ct =>
        {
            Db.ChangeTracker.Clear();
            await using var transaction = await Db.Database.BeginTransactionAsync(ct);
            // A concurrent duplicate blocks on the primary key until the first commits, then inserts nothing.
            if (!await Inbox.RecordAsync(Db, new InboxEntry(ConsumerName, messageId, clock.GetUtcNow()), ct))
            {
                await transaction.RollbackAsync(ct);
                return false;
            }

            await HandleAsync(context, ct);
            await Db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return true;
        }, context.CancellationToken);

        if (!applied)
        {
            context.GetServiceOrCreateInstance<MessagingMetrics>().DuplicateSkipped(ConsumerName);
        }
    }

    // Applies the message's effect to Db; SaveChanges and commit follow.
    protected abstract Task HandleAsync(ConsumeContext<TMessage> context, CancellationToken cancellationToken);
}
