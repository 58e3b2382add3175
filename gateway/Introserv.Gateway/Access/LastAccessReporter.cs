using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf.WellKnownTypes;
using Introserv.Identity.Grpc;

namespace Introserv.Gateway.Access;

// Tells Identity each account's last access address and time, throttled: an account is reported again only
// when its address changes or a minute has passed, and reports go out in batches every few seconds.
internal sealed class LastAccessReporter(
    AccountAccess.AccountAccessClient identity,
    TimeProvider clock,
    ILogger<LastAccessReporter> logger) : BackgroundService
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan ReportAgainAfter = TimeSpan.FromMinutes(1);
    public const int MaxPending = 100_000;

    private readonly ConcurrentDictionary<Guid, (string Ip, DateTimeOffset At)> _pending = new();
    private readonly ConcurrentDictionary<Guid, (string Ip, DateTimeOffset At)> _reported = new();

    public int PendingCount => _pending.Count;

    public void Record(Guid accountId, IPAddress? address)
    {
        if (address is null)
        {
            return;
        }

        var ip = (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
        var now = clock.GetUtcNow();
        if (_reported.TryGetValue(accountId, out var last) && last.Ip == ip && now - last.At < ReportAgainAfter)
        {
            return;
        }

        if (_pending.Count < MaxPending || _pending.ContainsKey(accountId))
        {
            _pending[accountId] = (ip, now);
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.IsEmpty)
        {
            return;
        }

        var batch = new List<(Guid Id, string Ip, DateTimeOffset At)>();
        foreach (var accountId in _pending.Keys.Take(1000))
        {
            if (_pending.TryRemove(accountId, out var access))
            {
                batch.Add((accountId, access.Ip, access.At));
            }
        }

        var request = new ReportAccessRequest();
        request.Reports.AddRange(batch.Select(
            b => new AccessReport { AccountId = b.Id.ToString(), Ip = b.Ip, At = Timestamp.FromDateTimeOffset(b.At) }));
        try
        {
            await identity.ReportAccessAsync(
                request, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellationToken);
            foreach (var (id, ip, at) in batch)
            {
                _reported[id] = (ip, at);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Keep them for the next round unless a newer access arrived meanwhile.
            foreach (var (id, ip, at) in batch)
            {
                _pending.TryAdd(id, (ip, at));
            }

            logger.LogWarning(ex, "Reporting last access for {Count} accounts failed; retrying", batch.Count);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await FlushAsync(stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(cancellationToken);
    }
}
