using Introserv.BuildingBlocks.Data;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace Introserv.Identity.Features.SignIn;

// Hourly clean-up: expired and revoked tokens and authorizations, sessions that ended long ago, and login
// history past its retention. Safe with several replicas (every step is an idempotent delete).
public sealed class IdentityMaintenance(
    IServiceProvider services,
    MigrationState<IdentityServiceDbContext> migrations,
    IOptions<IdentityServerOptions> settings,
    TimeProvider clock,
    ILogger<IdentityMaintenance> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    public static readonly TimeSpan LoginHistoryRetention = TimeSpan.FromDays(180);
    public static readonly TimeSpan EndedSessionRetention = TimeSpan.FromDays(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await migrations.WhenApplied(stoppingToken);
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Identity clean-up failed; it runs again in {Interval}", Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        var now = clock.GetUtcNow();
        var refreshLifetime = settings.Value.RefreshTokenLifetime;
        var tokens = await provider
            .GetRequiredService<IOpenIddictTokenManager>()
            .PruneAsync(now - refreshLifetime, cancellationToken);
        var authorizations = await provider
            .GetRequiredService<IOpenIddictAuthorizationManager>()
            .PruneAsync(now - refreshLifetime, cancellationToken);
        var db = provider.GetRequiredService<IdentityServiceDbContext>();
        var idleBefore = now - refreshLifetime - EndedSessionRetention;
        var revokedBefore = now - EndedSessionRetention;
        var sessions = await db.Sessions
            .Where(s => s.LastUsedAt < idleBefore || s.RevokedAt < revokedBefore)
            .ExecuteDeleteAsync(cancellationToken);
        var historyBefore = now - LoginHistoryRetention;
        var attempts = await db.LoginAttempts.Where(a => a.At < historyBefore).ExecuteDeleteAsync(cancellationToken);
        var ceremonies = await db.PasskeyCeremonies.Where(c => c.ExpiresAt < now)
            .ExecuteDeleteAsync(cancellationToken);
        logger.LogInformation(
            "Identity clean-up removed {Tokens} tokens, {Authorizations} authorizations, {Sessions} sessions, " +
            "{Attempts} login attempts, {Ceremonies} expired passkey ceremonies",
            tokens, authorizations, sessions, attempts, ceremonies);
    }
}
