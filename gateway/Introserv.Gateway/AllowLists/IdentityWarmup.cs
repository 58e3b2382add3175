using Grpc.Core;
using Introserv.Identity.Grpc;
using Microsoft.Extensions.Options;

namespace Introserv.Gateway.AllowLists;

// Asks Identity once while the replica starts, before it serves: the service token, the gRPC connection and both
// sides' first-call costs are paid here rather than by the first customers after a start or a rollout, whose
// allow-list checks would otherwise spend their budget (AllowLists:IdentityTimeout) on them and fail closed with 503
// allow_list_unavailable (seen on a cold two-replica stack: a first answer after more than 2 s). Identity not
// answering within AllowLists:IdentityWarmup is logged and the replica starts anyway: lists then come from Redis,
// or from Identity once it answers.
internal sealed class IdentityWarmup(
    AccountAccess.AccountAccessClient identity, IOptions<AllowListOptions> options, ILogger<IdentityWarmup> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var budget = options.Value.IdentityWarmup;
        if (budget <= TimeSpan.Zero)
        {
            return;
        }

        using var within = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        within.CancelAfter(budget);
        try
        {
            // An account that does not exist: Identity answers AccountFound = false, and nothing is stored.
            await identity.GetIpAllowListAsync(
                new GetIpAllowListRequest { AccountId = Guid.Empty.ToString() },
                deadline: DateTime.UtcNow.Add(budget),
                cancellationToken: within.Token);
            logger.LogDebug("Identity answered the start-up check");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested
            && ex is RpcException or OperationCanceledException or HttpRequestException)
        {
            logger.LogWarning(
                "Identity did not answer the start-up check within {Budget} ({Error}); starting anyway",
                budget, ex.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
