using Introserv.BuildingBlocks.Data;
using Introserv.ServiceDefaults;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Introserv.BuildingBlocks.Messaging;

public static class MessagingExtensions
{
    // Connects the service to RabbitMQ through MassTransit and runs the transactional outbox of TContext: events added
    // with OutboxExtensions.AddIntegrationEvent are published after commit. Consumers derive from InboxConsumer.
    public static IHostApplicationBuilder AddServiceMessaging<TContext>(
        this IHostApplicationBuilder builder,
        Action<IBusRegistrationConfigurator>? configureConsumers = null)
        where TContext : DbContext
    {
        builder.Services.TryAddSingleton<MigrationState<TContext>>();
        builder.Services.AddSingleton<OutboxDispatcherState<TContext>>();
        builder.Services.AddHostedService<OutboxDispatcher<TContext>>();
        builder.Services.AddHealthChecks().AddCheck<OutboxHealthCheck<TContext>>($"{typeof(TContext).Name}-outbox");
        return builder.AddServiceMessaging(configureConsumers);
    }

    // Connects the service to RabbitMQ through MassTransit, using the rabbitmq connection string (an amqp:// URI), with
    // retries and error queues for every consumer. MassTransit's bus health check joins the service's readiness checks.
    public static IHostApplicationBuilder AddServiceMessaging(
        this IHostApplicationBuilder builder,
        Action<IBusRegistrationConfigurator>? configureConsumers = null)
    {
        var connectionString = builder.Configuration.GetConnectionString(ResourceNames.RabbitMq)
            ?? throw new InvalidOperationException(
                $"Connection string '{ResourceNames.RabbitMq}' is missing: the service needs RabbitMQ.");
        var options = builder.Configuration.GetSection(MessagingOptions.SectionName).Get<MessagingOptions>()
            ?? new MessagingOptions();

        builder.Services
            .AddOptions<MessagingOptions>()
            .BindConfiguration(MessagingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton<MessagingMetrics>();
        // A temporary queue is a classic one: the broker deletes it when it expires, and RabbitMQ 3.10 can lose the
        // publisher confirm of a message routed to a quorum queue at the moment it is deleted (the publish then never
        // completes). Production queues are never deleted and stay quorum queues.
        var quorumQueues = options.QuorumQueues && !options.TemporaryEndpoints;
        builder.Services.AddMassTransit(bus =>
        {
            // Queues are named after the service and the consumer ("profile-account-registered"): two services
            // with a consumer of the same name must not share a queue, or each would get only part of the events.
            bus.SetEndpointNameFormatter(new ServiceEndpointNameFormatter(
                string.IsNullOrEmpty(options.EndpointPrefix)
                    ? ServicePrefix(builder.Environment.ApplicationName)
                    : options.EndpointPrefix));

            bus.AddConsumeObserver<ConsumerFailureObserver>();
            // Transient failures are retried in place with back-off; after the last retry MassTransit
            // moves the message, with its exception in the headers, to the endpoint's _error queue. A database
            // outage is waited out longer (the outer policy, OutageRetryLimit times up to OutageRetryMaxInterval
            // apart: about six minutes by default), since each attempt's own database retries end after a few
            // seconds (DatabaseExtensions) and an outage is not the message's fault; anything else gets the inner
            // policy's few quick retries.
            bus.AddConfigureEndpointsCallback((_, _, endpoint) =>
            {
                endpoint.UseMessageRetry(retry =>
                {
                    retry.Handle<Exception>(DatabaseFailures.IsUnavailable);
                    retry.Exponential(options.OutageRetryLimit, options.RetryMinInterval,
                        options.OutageRetryMaxInterval, options.RetryMinInterval);
                });
                endpoint.UseMessageRetry(retry =>
                {
                    retry.Ignore<Exception>(DatabaseFailures.IsUnavailable);
                    retry.Exponential(options.RetryLimit, options.RetryMinInterval,
                        options.RetryMaxInterval, options.RetryMinInterval);
                });
                if (endpoint is not IRabbitMqReceiveEndpointConfigurator rabbitEndpoint)
                {
                    return;
                }

                if (quorumQueues)
                {
                    rabbitEndpoint.SetQuorumQueue();
                }

                if (options.TemporaryEndpoints)
                {
                    // Durable, so a broker restart keeps them and what waits in them (an auto-deleted queue is gone
                    // until its consumer reconnects, and events published meanwhile are dropped); the broker removes
                    // them once nobody has used them for a while.
                    rabbitEndpoint.Durable = true;
                    rabbitEndpoint.AutoDelete = false;
                    rabbitEndpoint.QueueExpiration = options.TemporaryEndpointExpiry;
                }
            });
            configureConsumers?.Invoke(bus);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(new Uri(connectionString), host => host.PublisherConfirmation = true);
                if (quorumQueues)
                {
                    // Where a message goes after its last retry (_error) or when no consumer takes it (_skipped)
                    // is kept as safely as the queue it came from.
                    rabbit.SendTopology.ConfigureErrorSettings = queue => queue.SetQuorumQueue();
                    rabbit.SendTopology.ConfigureDeadLetterSettings = queue => queue.SetQuorumQueue();
                }

                rabbit.ConfigureEndpoints(context);
            });
        });
        return builder;
    }

    // "Introserv.Profile" → "Profile".
    internal static string ServicePrefix(string applicationName) =>
        applicationName.Split('.', StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } parts
            ? parts[^1]
            : applicationName;
}
