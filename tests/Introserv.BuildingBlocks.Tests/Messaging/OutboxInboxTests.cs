using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Introserv.BuildingBlocks.Messaging;
using MassTransit;

namespace Introserv.BuildingBlocks.Tests.Messaging;

[Collection(MessagingDefinition.Name)]
public sealed class OutboxInboxTests(MessagingHost host)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_same_message_delivered_twice_has_its_effect_once()
    {
        var duplicates = new List<long>();
        using var listener = ListenTo("introserv.inbox.duplicates", duplicates);
        var probe = new DuplicateProbeHappened(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid());
        var bus = host.Host.Services.GetRequiredService<IBus>();

        // Two deliveries of one message id: what a broker redelivery or a republish after a crash looks like.
        await bus.Publish(probe, context => context.MessageId = probe.EventId);
        await bus.Publish(probe, context => context.MessageId = probe.EventId);

        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(duplicates.Sum() >= 1), Timeout),
            "the second delivery was never recognised by the inbox");
        Assert.Equal(1, await host.QueryAsync(db => db.Effects.CountAsync(e => e.MessageId == probe.EventId)));
    }

    [Fact]
    public async Task A_rolled_back_transaction_publishes_nothing()
    {
        var rolledBack = new RollbackProbeHappened(
            Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), Marker: false);
        var marker = new RollbackProbeHappened(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), Marker: true);

        await using (var scope = host.Host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MessagingTestDbContext>();
            var strategy = db.Database.CreateExecutionStrategy();
            await strategy.ExecuteAsync(async () =>
            {
                await using var transaction = await db.Database.BeginTransactionAsync();
                db.Effects.Add(new Effect { MessageId = rolledBack.EventId, Kind = "business-change" });
                MessagingHost.AddEvent(db, rolledBack);
                await db.SaveChangesAsync();
                await transaction.RollbackAsync();
            });
        }

        // A later committed event overtakes nothing: once it is consumed, the rolled-back one would have been too.
        await host.CommitAsync(marker);

        Assert.True(await Eventually.TrueAsync(
            async () => await host.QueryAsync(db => db.Effects.AnyAsync(e => e.MessageId == marker.EventId)), Timeout));
        Assert.False(await host.QueryAsync(db => db.Effects.AnyAsync(e => e.MessageId == rolledBack.EventId)));
        Assert.False(await host.QueryAsync(db => db.Set<OutboxMessage>().AnyAsync(m => m.Id == rolledBack.EventId)));
    }

    // The general retries (RetryLimit 2: three attempts) would park it; a database outage is waited out longer.
    [Fact]
    public async Task A_handler_whose_database_is_unavailable_is_retried_past_the_general_limit_and_applied_once()
    {
        var probe = new DatabaseOutageProbeHappened(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid());

        await host.CommitAsync(probe);

        Assert.True(await Eventually.TrueAsync(
            async () => await host.QueryAsync(db => db.Effects.AnyAsync(e => e.MessageId == probe.EventId)), Timeout),
            $"not applied after {DatabaseOutageProbeConsumer.Attempts.GetValueOrDefault(probe.EventId)} attempts");
        Assert.Equal(DatabaseOutageProbeConsumer.FailedAttempts + 1,
            DatabaseOutageProbeConsumer.Attempts[probe.EventId]);
        Assert.Equal(1, await host.QueryAsync(db => db.Effects.CountAsync(e => e.MessageId == probe.EventId)));
    }

    [Fact]
    public async Task A_handler_that_keeps_failing_is_retried_then_parked_in_the_error_queue_with_its_exception()
    {
        var probe = new FailingProbeHappened(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid());

        await host.CommitAsync(probe);

        await using var connection = await MessagingHost.ConnectToBrokerAsync();
        RabbitMQ.Client.BasicGetResult? parked = null;
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            // The error queue exists only after the first fault; asking for a missing queue closes the channel.
            await using var channel = await connection.CreateChannelAsync();
            try
            {
                // Messages other tests parked there are passed over.
                var got = await channel.BasicGetAsync($"{host.FailingQueue}_error", autoAck: true);
                if (got is not null && Encoding.UTF8.GetString(got.Body.Span).Contains(
                    probe.EventId.ToString(), StringComparison.Ordinal))
                {
                    parked = got;
                }
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
            }

            return parked is not null;
        }, Timeout), "the failed message never reached the error queue");

        // One attempt plus the configured two retries; the effect of each attempt was rolled back.
        Assert.Equal(3, FailingProbeConsumer.Attempts[probe.EventId]);
        Assert.Equal(0, await host.QueryAsync(db => db.Effects.CountAsync(e => e.MessageId == probe.EventId)));
        var headers = parked!.BasicProperties.Headers!;
        var faultMessage = Encoding.UTF8.GetString((byte[])headers["MT-Fault-Message"]!);
        Assert.Contains($"probe failure {probe.EventId}", faultMessage, StringComparison.Ordinal);
        Assert.Contains(probe.EventId.ToString(), Encoding.UTF8.GetString(parked.Body.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_dispatchers_on_one_outbox_never_publish_an_event_twice()
    {
        var state = new OutboxDispatcherState<MessagingTestDbContext>();
        var second = ActivatorUtilities.CreateInstance<OutboxDispatcher<MessagingTestDbContext>>(
            host.Host.Services, state);
        await second.StartAsync(CancellationToken.None);
        try
        {
            var probes = Enumerable.Range(0, 500)
                .Select(i => new RaceProbeHappened(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), i))
                .ToList();
            // Many small commits, so both dispatchers find work at the same time.
            await Parallel.ForEachAsync(probes.Chunk(10), new ParallelOptions { MaxDegreeOfParallelism = 4 },
                async (chunk, _) => await host.CommitAsync(chunk.Cast<object>().ToArray()));

            Assert.True(await Eventually.TrueAsync(
                () => Task.FromResult(probes.All(p => RaceProbeConsumer.Deliveries.ContainsKey(p.EventId))), Timeout),
                "not every event arrived");
            await Task.Delay(1000); // a second publish of any event would arrive by now

            Assert.All(probes, p => Assert.Equal(1, RaceProbeConsumer.Deliveries[p.EventId]));
            Assert.NotNull(state.LastSuccessAt); // the second dispatcher really ran
        }
        finally
        {
            await second.StopAsync(CancellationToken.None);
            second.Dispose();
        }
    }

    [Fact]
    public async Task The_trace_of_the_committing_request_continues_into_the_consumer()
    {
        using var source = new ActivitySource("Introserv.Tests.Request");
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var probe = new TraceProbeHappened(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid());

        ActivityTraceId requestTrace;
        using (var request = source.StartActivity("POST /api/something", ActivityKind.Server)!)
        {
            requestTrace = request.TraceId;
            await host.CommitAsync(probe);
        }

        Assert.True(await Eventually.TrueAsync(
            () => Task.FromResult(TraceProbeConsumer.Traces.ContainsKey(probe.EventId)), Timeout));
        Assert.Equal(requestTrace, TraceProbeConsumer.Traces[probe.EventId]);
    }

    [Fact]
    public async Task An_idle_dispatcher_only_polls_and_does_not_wake_itself()
    {
        // Its own claim transactions must not count as "outbox rows committed": that would make it spin,
        // hundreds of transactions a second per service with nothing to send. Polling every 200 ms here
        // makes about 25 claims in 5 s plus the pending count. A backend reports its counts to PostgreSQL's
        // statistics up to 10 s late when it goes idle, so what the other tests in this host committed before is
        // given that long to land first, or it would be counted in the window.
        await host.CommitAsync(new TraceProbeHappened(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid()));
        await Task.Delay(TimeSpan.FromSeconds(11));

        var before = await CommittedTransactionsAsync();
        await Task.Delay(TimeSpan.FromSeconds(5));
        var after = await CommittedTransactionsAsync();

        Assert.InRange(after - before, 0, 150);
    }

    private async Task<long> CommittedTransactionsAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(
            Introserv.Testing.LocalInfra.Current.DatabaseConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = @name", connection);
        command.Parameters.AddWithValue("name", host.DatabaseName);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Published_rows_are_marked_sent_and_none_stay_pending()
    {
        var probe = new DuplicateProbeHappened(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid());

        await host.CommitAsync(probe);

        Assert.True(await Eventually.TrueAsync(async () => await host.QueryAsync(db =>
            db.Set<OutboxMessage>().AnyAsync(m => m.Id == probe.EventId && m.SentAt != null)), Timeout));
        var row = await host.QueryAsync(db => db.Set<OutboxMessage>().SingleAsync(m => m.Id == probe.EventId));
        Assert.Equal("Introserv.BuildingBlocks.Tests.Messaging.DuplicateProbeHappened, Introserv.BuildingBlocks.Tests",
            row.MessageType);
        Assert.Null(row.LastError);
    }

    [Fact]
    public async Task A_row_no_commit_announced_is_found_by_the_scan_and_published()
    {
        var probe = new DuplicateProbeHappened(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid());
        await InsertUnannouncedAsync(probe);

        Assert.True(await Eventually.TrueAsync(
            async () => await host.QueryAsync(db => db.Effects.AnyAsync(e => e.MessageId == probe.EventId)), Timeout),
            "the row nobody announced was never published");
        Assert.True(await host.QueryAsync(db =>
            db.Set<OutboxMessage>().AnyAsync(m => m.Id == probe.EventId && m.SentAt != null)));
    }

    [Fact]
    public async Task A_row_no_commit_announced_is_published_while_announced_commits_keep_coming()
    {
        // Under steady load the dispatcher always has announced ids waiting; the scan must still run.
        using var stop = new CancellationTokenSource();
        // Eight committers at once, so ids are waiting whenever the dispatcher looks.
        var load = Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await host.CommitAsync(
                    new DuplicateProbeHappened(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid()));
            }
        })));
        try
        {
            var probe = new DuplicateProbeHappened(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid());
            await InsertUnannouncedAsync(probe);

            Assert.True(await Eventually.TrueAsync(
                async () => await host.QueryAsync(db => db.Effects.AnyAsync(e => e.MessageId == probe.EventId)),
                Timeout), "the row nobody announced waited for the load to stop");
        }
        finally
        {
            await stop.CancelAsync();
            await load;
        }
    }

    // Written by plain SQL, as another process (or a commit whose outcome this process never learnt) leaves it: the
    // dispatcher is not handed its id and must find it by scanning for pending rows.
    private async Task InsertUnannouncedAsync(DuplicateProbeHappened probe)
    {
        var type = typeof(DuplicateProbeHappened);
        var payload = System.Text.Json.JsonSerializer.Serialize(probe, System.Text.Json.JsonSerializerOptions.Web);
        await host.QueryAsync(db => db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO outbox_messages (id, message_type, payload, created_at, attempts)
            VALUES ({probe.EventId}, {$"{type.FullName}, {type.Assembly.GetName().Name}"}, {payload}::jsonb,
                    {DateTimeOffset.UtcNow}, 0)
            """));
    }

    [Fact]
    public void Committed_ids_are_handed_over_oldest_first_and_a_full_queue_leaves_the_rest_to_the_scan()
    {
        var signal = OutboxSignal<UnhostedContext>.Instance;
        signal.TakeCommitted(int.MaxValue);
        var first = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToList();

        signal.Committed(first);

        Assert.True(signal.HasCommitted);
        Assert.Equal(first.Take(2), signal.TakeCommitted(2));
        Assert.Equal(first.Skip(2), signal.TakeCommitted(10));
        Assert.False(signal.HasCommitted);

        // Beyond the queue's bound nothing is queued (the scan finds those rows); what was queued stays.
        var many = Enumerable.Range(0, OutboxSignal<UnhostedContext>.MaxQueued).Select(_ => Guid.NewGuid()).ToList();
        signal.Committed(many);
        signal.Committed([Guid.NewGuid()]);
        Assert.Equal(many, signal.TakeCommitted(int.MaxValue));
    }

    [Fact]
    public async Task The_outbox_table_is_vacuumed_after_a_thousand_changed_rows_whatever_its_size()
    {
        var options = await host.QueryAsync(db => db.Database
            .SqlQuery<string>($"SELECT unnest(reloptions) AS \"Value\" FROM pg_class WHERE relname = 'outbox_messages'")
            .ToListAsync());

        Assert.Contains("autovacuum_vacuum_scale_factor=0", options);
        Assert.Contains("autovacuum_vacuum_threshold=1000", options);
    }

    // A context no host dispatches for, so the test alone reads its signal.
    private sealed class UnhostedContext : DbContext;

    private static MeterListener ListenTo(string instrument, List<long> measurements)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == MessagingMetrics.MeterName && i.Name == instrument)
                {
                    l.EnableMeasurementEvents(i);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            lock (measurements)
            {
                measurements.Add(value);
            }
        });
        listener.Start();
        return listener;
    }
}
