using MassTransit;

namespace Introserv.BuildingBlocks.Messaging;

// Counts consume attempts that threw (each retry counts), for the consumer-failure metric.
public sealed class ConsumerFailureObserver(MessagingMetrics metrics) : IConsumeObserver
{
    public Task PreConsume<T>(ConsumeContext<T> context)
        where T : class => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context)
        where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
        where T : class
    {
        metrics.ConsumerFailed(typeof(T).Name);
        return Task.CompletedTask;
    }
}
