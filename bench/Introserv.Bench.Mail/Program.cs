// Mail delivery benchmark against the real local PostgreSQL and a real SMTP server in another process (the
// development mail catcher, run by bench/mail.sh): N queued mails, time until the last is sent, and the CPU the
// delivery worker (this process) spent per mail. Usage: Introserv.Bench.Mail <smtp-port> [mails=2000] [connections=4]
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Introserv.BuildingBlocks.Data;
using Introserv.Notifications;
using Introserv.Notifications.Data;
using Introserv.Notifications.Delivery;
using Introserv.ServiceDefaults;
using Introserv.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var smtpPort = int.Parse(args[0], CultureInfo.InvariantCulture);
var mails = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2_000;
var connections = args.Length > 2 ? args[2] : "4";

var database = LocalInfra.UniqueDatabaseName("benchmail");
var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    [$"ConnectionStrings:{ResourceNames.NotificationsDb}"] = LocalInfra.Current.DatabaseConnectionString(database),
    ["Smtp:Host"] = "127.0.0.1",
    ["Smtp:Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
    ["Smtp:Security"] = "None",
    ["Smtp:Connections"] = connections,
    ["Smtp:PollInterval"] = "00:00:00.050",
});
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddMetrics();
builder.AddServiceDatabase<NotificationsDbContext>(ResourceNames.NotificationsDb);
builder.AddMailDelivery();

using var host = builder.Build();
// Mails sent, counted from the worker's own metric (introserv.notifications.sent, added once a mail is recorded sent):
// waiting on it costs nothing, where polling the queue would add this process's queries to the worker's CPU.
var sentSoFar = 0L;
using var sentListener = new MeterListener
{
    InstrumentPublished = (instrument, listener) =>
    {
        if (instrument.Name == "introserv.notifications.sent")
        {
            listener.EnableMeasurementEvents(instrument);
        }
    },
};
sentListener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref sentSoFar, value));
sentListener.Start();
await host.StartAsync();

async Task UntilSentAsync(long total)
{
    while (Interlocked.Read(ref sentSoFar) < total)
    {
        await Task.Delay(5);
    }
}

try
{
    await host.Services
        .GetRequiredService<MigrationState<NotificationsDbContext>>()
        .WhenApplied(CancellationToken.None);
    var worker = host.Services.GetRequiredService<DeliveryWorker>();
    // Warm-up: the same number of mails delivered first and not measured, so the figures are the delivery path's
    // steady state and not its just-in-time compilation (BENCH_MAIL_WARMUP=0 measures from cold).
    var warmup = int.TryParse(Environment.GetEnvironmentVariable("BENCH_MAIL_WARMUP"), CultureInfo.InvariantCulture,
        out var warmupMails) ? warmupMails : mails;
    if (warmup > 0)
    {
        await EnqueueAsync(host.Services, warmup);
        await worker.StartAsync(CancellationToken.None);
        await UntilSentAsync(warmup);
        await worker.StopAsync(CancellationToken.None);
    }

    await EnqueueAsync(host.Services, mails);
    Console.WriteLine(
        $"mail benchmark: {Environment.ProcessorCount} cores, {mails} mails, {connections} connection(s), " +
        $"PostgreSQL and the catcher on loopback");

    using var process = Process.GetCurrentProcess();
    if (Environment.GetEnvironmentVariable("BENCH_BREAKDOWN") == "1")
    {
        await BreakdownAsync(host.Services, process);
    }

    var cpuBefore = process.TotalProcessorTime;
    var stopwatch = Stopwatch.StartNew();
    await worker.StartAsync(CancellationToken.None);
    await UntilSentAsync(warmup + mails);
    var elapsed = stopwatch.Elapsed;
    process.Refresh();
    var cpu = process.TotalProcessorTime - cpuBefore;
    await worker.StopAsync(CancellationToken.None);
    var sent = await CountAsync(host.Services, NotificationStatuses.Sent) - warmup;
    Console.WriteLine(
        $"delivered: {sent} of {mails} in {elapsed.TotalSeconds:F2} s = " +
        $"{mails / elapsed.TotalSeconds:F0} mails/s (target >= 200)");
    Console.WriteLine(
        $"worker CPU: {cpu.TotalMilliseconds / mails:F2} ms per mail (target <= 1), " +
        $"{cpu.TotalMilliseconds:F0} ms in all");
}
finally
{
    await host.StopAsync();
    await LocalInfra.Current.DropDatabasesAsync(database);
}

static async Task EnqueueAsync(IServiceProvider services, int count)
{
    await using var scope = services.CreateAsyncScope();
    var db = scope.ServiceProvider.GetRequiredService<NotificationsDbContext>();
    var now = DateTimeOffset.UtcNow;
    db.Notifications.AddRange(Enumerable.Range(0, count).Select(i => new Notification
    {
        Id = Guid.CreateVersion7(),
        AccountId = Guid.NewGuid(),
        SourceEventId = Guid.NewGuid(),
        Type = "order_placed",
        Category = "invoices_orders",
        Recipient = $"bench{i}@example.com",
        Subject = "Your order is placed",
        TextBody = "Hello,\n\nyour order of vps-s for 1 month(s) is placed: 9.00 EUR.\n",
        HtmlBody = "<p>Hello,</p><p>your order of <b>vps-s</b> for 1 month(s) is placed: 9.00 EUR.</p>",
        CreatedAt = now,
        NextAttemptAt = now,
    }));
    await db.SaveChangesAsync();
}

// Where a mail's time goes: the SMTP send alone over one connection, then the queue's write alone.
static async Task BreakdownAsync(IServiceProvider services, Process process)
{
    const int Count = 300;
    await using var scope = services.CreateAsyncScope();
    var db = scope.ServiceProvider.GetRequiredService<NotificationsDbContext>();
    var rows = await db.Notifications.AsNoTracking().Take(Count).ToListAsync();
    var sender = services.GetRequiredService<MailSender>();
    using var client = await sender.ConnectAsync(CancellationToken.None);
    var (cpu, wall) = (process.TotalProcessorTime, Stopwatch.StartNew());
    foreach (var row in rows)
    {
        await sender.SendAsync(client, row, CancellationToken.None);
    }

    process.Refresh();
    Console.WriteLine(
        $"  SMTP send alone: {wall.Elapsed.TotalMilliseconds / Count:F2} ms per mail, " +
        $"{(process.TotalProcessorTime - cpu).TotalMilliseconds / Count:F2} ms CPU");
    (cpu, wall) = (process.TotalProcessorTime, Stopwatch.StartNew());
    foreach (var row in rows)
    {
        await db.Notifications.Where(n => n.Id == row.Id && n.Status == NotificationStatuses.Queued)
            .ExecuteUpdateAsync(n => n.SetProperty(x => x.Attempts, x => x.Attempts));
    }

    process.Refresh();
    Console.WriteLine(
        $"  queue write alone: {wall.Elapsed.TotalMilliseconds / Count:F2} ms per mail, " +
        $"{(process.TotalProcessorTime - cpu).TotalMilliseconds / Count:F2} ms CPU");
}



static async Task<int> CountAsync(IServiceProvider services, string status)
{
    await using var scope = services.CreateAsyncScope();
    return await scope.ServiceProvider
        .GetRequiredService<NotificationsDbContext>().Notifications
        .CountAsync(n => n.Status == status);
}
