using System.Diagnostics;
using Grpc.Core;
using Introserv.Identity.Grpc;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace Introserv.Gateway.Tests;

// A starting gateway asks Identity once before it serves, so the first customers' allow-list checks do not pay for a
// cold connection; an Identity that does not answer delays the start by AllowLists:IdentityWarmup at most.
public sealed class IdentityWarmupTests : IDisposable
{
    private readonly WebApplicationFactory<Program> _root = new();
    private readonly RecordingUpstream _upstream = new();

    public void Dispose()
    {
        _root.Dispose();
        _upstream.Dispose();
    }

    private WebApplicationFactory<Program> Gateway(ProbedIdentity identity, TimeSpan warmup) =>
        _root.WithWebHostBuilder(builder =>
        {
            TestGateway.Configure(builder, LocalInfra.Current.Redis, _upstream.Address);
            TestGateway.GiveRedisTime(builder);
            builder.UseSetting("AllowLists:IdentityWarmup", warmup.ToString("c"));
            builder.ConfigureTestServices(
                services => services.AddSingleton<AccountAccess.AccountAccessClient>(identity));
        });

    [Fact]
    public void A_starting_gateway_asks_identity_once_before_it_serves()
    {
        var identity = new ProbedIdentity();
        using var gateway = Gateway(identity, TimeSpan.FromSeconds(5));

        using var client = gateway.CreateClient();

        Assert.Equal([Guid.Empty.ToString()], identity.Asked);
    }

    [Fact]
    public async Task An_identity_that_does_not_answer_delays_the_start_by_the_budget_at_most()
    {
        var identity = new ProbedIdentity { Hang = true };
        using var gateway = Gateway(identity, TimeSpan.FromSeconds(1));

        var started = Stopwatch.StartNew();
        using var client = gateway.CreateClient();
        using var health = await client.GetAsync(new Uri("/alive", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Single(identity.Asked);
        // Generous: the budget is 1 s; a start that waited for the answer would never end.
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"started after {started.Elapsed}");
    }

    // Identity's gRPC as the gateway sees it: records what it is asked, answers "no such account" or never.
    private sealed class ProbedIdentity : AccountAccess.AccountAccessClient
    {
        private readonly List<string> _asked = [];

        public bool Hang { get; init; }

        public IReadOnlyList<string> Asked
        {
            get
            {
                lock (_asked)
                {
                    return [.. _asked];
                }
            }
        }

        public override AsyncUnaryCall<IpAllowListReply> GetIpAllowListAsync(
            GetIpAllowListRequest request, Metadata? headers = null, DateTime? deadline = null,
            CancellationToken cancellationToken = default)
        {
            lock (_asked)
            {
                _asked.Add(request.AccountId);
            }

            var reply = Hang
                ? Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(
                    waited =>
                    {
                        waited.GetAwaiter().GetResult();
                        return new IpAllowListReply();
                    },
                    TaskScheduler.Default)
                : Task.FromResult(new IpAllowListReply { AccountFound = false });
            return new AsyncUnaryCall<IpAllowListReply>(reply, Task.FromResult(new Metadata()),
                () => Status.DefaultSuccess, () => [], () => { });
        }
    }
}
