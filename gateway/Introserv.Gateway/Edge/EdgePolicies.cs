using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Introserv.ServiceDefaults;

namespace Introserv.Gateway.Edge;

// A fixed-window limit: PermitLimit requests per Window.
public sealed class RateLimitOptions
{
    public int PermitLimit { get; set; }

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

// Rate limits (section RateLimits) and CORS (section Cors) of the gateway.
public static class EdgePolicies
{
    // Per client address: registration, token and sign-in pages.
    public const string AnonymousPolicy = "anonymous";

    // Per account (per address when there is no token): everything else.
    public const string ApiPolicy = "api";

    // Per client address, counted apart from the sign-in pages: payment providers' signed callbacks. A provider
    // sends from a few addresses in bursts (a batch of settlements, retries after an outage), so it neither eats
    // the anonymous budget of the customers behind the same address nor is throttled by it.
    public const string CallbacksPolicy = "callbacks";

    public const string CorsSection = "Cors";

    public static IHostApplicationBuilder AddEdgePolicies(this IHostApplicationBuilder builder)
    {
        var anonymous = Read(builder.Configuration, AnonymousPolicy, 120);
        var api = Read(builder.Configuration, ApiPolicy, 600);
        var callbacks = Read(builder.Configuration, CallbacksPolicy, 1200);
        // Counted in Redis across the replicas (SharedRateLimits); a replica counts alone while Redis is down. The
        // budgets are read here, so a bad value stops the start instead of failing requests later.
        var redisTimeout = PositiveSpan(builder.Configuration, SharedRateLimits.RedisTimeoutSetting,
            SharedRateLimits.DefaultRedisTimeout);
        var redisRetryAfter = PositiveSpan(builder.Configuration, SharedRateLimits.RedisRetryAfterSetting,
            SharedRateLimits.DefaultRedisRetryAfter);
        builder.Services.AddSingleton(services => new SharedRateLimits(
            services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<SharedRateLimits>>())
        {
            KeyPrefix = builder.Configuration[SharedRateLimits.KeyPrefixSetting] ?? "introserv:rl:",
            RedisTimeout = redisTimeout,
            RedisRetryAfter = redisRetryAfter,
        });
        // Connected (and the script loaded) before the first request, so a replica's first burst is counted in Redis.
        builder.Services.AddHostedService<RedisWarmup>();
        builder.Services.AddRateLimiter(options =>
        {
            options.AddPolicy(AnonymousPolicy, context => Partition(
                context, AnonymousPolicy, $"ip:{context.ClientAddress()}", anonymous));
            options.AddPolicy(ApiPolicy, context => Partition(
                context, ApiPolicy,
                context.User.FindFirstValue("sub") is { } account
                    ? $"account:{account}"
                    : $"ip:{context.ClientAddress()}",
                api));
            options.AddPolicy(CallbacksPolicy, context => Partition(
                context, CallbacksPolicy, $"ip:{context.ClientAddress()}", callbacks));
            options.OnRejected = async (rejected, cancellationToken) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after)
                    ? after
                    : TimeSpan.FromSeconds(1);
                var seconds = (int)Math.Ceiling(Math.Max(retryAfter.TotalSeconds, 1));
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await GatewayProblems.WriteAsync(
                    rejected.HttpContext, GatewayProblems.RateLimited,
                    $"Too many requests; try again in {seconds} seconds.",
                    new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
            };
        });

        var origins = builder.Configuration.GetSection($"{CorsSection}:AllowedOrigins").Get<string[]>() ?? [];
        builder.Services.AddCors(options => options.AddDefaultPolicy(policy =>
        {
            // Front ends send bearer tokens, not cookies: no credentials mode, explicit origins only.
            policy.WithOrigins(origins)
                .WithMethods(HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete)
                .WithHeaders("Authorization", "Content-Type", "Idempotency-Key", "Step-Up-Token",
                    "If-Match", "If-None-Match", "Accept", "Accept-Language")
                .WithExposedHeaders("ETag", "Retry-After", "Location", "traceparent")
                .SetPreflightMaxAge(TimeSpan.FromMinutes(10));
        }));
        return builder;
    }

    private static RateLimitOptions Read(IConfiguration configuration, string name, int defaultLimit)
    {
        var settings = configuration.GetSection($"RateLimits:{name}").Get<RateLimitOptions>() ?? new RateLimitOptions();
        if (settings.PermitLimit <= 0)
        {
            settings.PermitLimit = defaultLimit;
        }

        return settings;
    }

    // A time span setting that must be positive (00:00:00.250), or its default when absent.
    private static TimeSpan PositiveSpan(IConfiguration configuration, string key, TimeSpan fallback)
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero
            ? value
            : throw new InvalidOperationException(
                $"{key} is '{text}', not a positive time span such as 00:00:00.250");
    }

    private static RateLimitPartition<string> Partition(
        HttpContext context, string policy, string key, RateLimitOptions settings)
    {
        var shared = context.RequestServices.GetRequiredService<SharedRateLimits>();
        return RateLimitPartition.Get(key, partition => shared.Create(policy, partition, settings));
    }
}
