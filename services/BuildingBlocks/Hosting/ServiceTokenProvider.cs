using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Introserv.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Polly;

namespace Introserv.BuildingBlocks.Hosting;

// A service's own credentials at Identity (section ServiceIdentity), for calls to other services.
public sealed class ServiceIdentityOptions
{
    public const string SectionName = "ServiceIdentity";

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    // Identity's token endpoint, inside the cluster.
    public Uri TokenEndpoint { get; set; } = new("http://identity/connect/token");
}

// Where a service gets the access token it sends with its own calls to other services.
public interface IServiceTokenSource
{
    Task<string> GetAsync(CancellationToken cancellationToken);
}

// A service access token (client-credentials grant at Identity, role service), fetched when first needed and renewed a
// minute before it expires.
public sealed class ServiceTokenProvider(
    IHttpClientFactory http,
    Microsoft.Extensions.Options.IOptions<ServiceIdentityOptions> settings,
    TimeProvider clock) : IServiceTokenSource, IDisposable
{
    public const string HttpClientName = "identity-token";
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (string Token, DateTimeOffset RenewAt)? _current;

    public async Task<string> GetAsync(CancellationToken cancellationToken)
    {
        if (_current is { } current && clock.GetUtcNow() < current.RenewAt)
        {
            return current.Token;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } fresh && clock.GetUtcNow() < fresh.RenewAt)
            {
                return fresh.Token;
            }

            var options = settings.Value;
            if (string.IsNullOrEmpty(options.ClientSecret) || string.IsNullOrEmpty(options.ClientId))
            {
                throw new InvalidOperationException(
                    "ServiceIdentity:ClientId and ClientSecret are not configured: " +
                    "the service cannot call other services.");
            }

            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = options.ClientId,
                ["client_secret"] = options.ClientSecret,
            });
            using var response = await http
                .CreateClient(HttpClientName)
                .PostAsync(options.TokenEndpoint, form, cancellationToken);
            response.EnsureSuccessStatusCode();
            var token = await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken)
                ?? throw new InvalidOperationException("Identity returned no token.");
            var lifetime = TimeSpan.FromSeconds(Math.Max(token.ExpiresIn, 120));
            _current = (token.AccessToken, clock.GetUtcNow() + lifetime - TimeSpan.FromMinutes(1));
            return token.AccessToken;
        }
        finally
        {
            _refresh.Release();
        }
    }

    public void Dispose() => _refresh.Dispose();

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);
}

public static class ServiceTokenExtensions
{
    // Registers the service's token source (section ServiceIdentity) and a gRPC client of TClient that sends the
    // service token with every call.
    public static IHttpClientBuilder AddServiceGrpcClient<TClient>(this IHostApplicationBuilder builder, Uri address)
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services
            .AddOptions<ServiceIdentityOptions>()
            .BindConfiguration(ServiceIdentityOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHttpClient(ServiceTokenProvider.HttpClientName);
        builder.Services.AddSingleton<ServiceTokenProvider>();
        builder.Services.AddSingleton<IServiceTokenSource>(sp => sp.GetRequiredService<ServiceTokenProvider>());
        return builder.Services.AddGrpcClient<TClient>(options => options.Address = address)
            .AddCallCredentials(async (context, metadata, services) => metadata.Add(
                "Authorization",
                $"Bearer " +
                $"{await services.GetRequiredService<IServiceTokenSource>().GetAsync(context.CancellationToken)}"))
            .ConfigureChannel(channel => channel.UnsafeUseInsecureChannelCallCredentials = true);
    }

    // A gRPC client of TClient at Services:<addressSetting> (or the service's discovered gRPC endpoint) whose calls
    // must never be repeated (a text sent, a call placed, a token spent): a deadline, but none of
    // ConfigureHttpClientDefaults' retries.
    public static IHttpClientBuilder AddSingleShotServiceGrpcClient<TClient>(
        this IHostApplicationBuilder builder, string addressSetting, string service, TimeSpan timeout)
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        var client = builder.AddServiceGrpcClient<TClient>(
            builder.Configuration[$"Services:{addressSetting}"] is { } address
                ? new Uri(address)
                : ResourceNames.GrpcAddress(service));
        // The one way to take back ConfigureHttpClientDefaults' standard handler for a single client.
#pragma warning disable EXTEXP0001
        client.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        client.AddResilienceHandler($"{service}-single-shot", pipeline => pipeline.AddTimeout(timeout));
        return client;
    }
}
