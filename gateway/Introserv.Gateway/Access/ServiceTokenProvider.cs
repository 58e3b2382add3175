using System.Text.Json.Serialization;

namespace Introserv.Gateway.Access;

/// <summary>The gateway's own credentials at Identity (section <c>ServiceIdentity</c>).</summary>
public sealed class ServiceIdentitySettings
{
    public const string SectionName = "ServiceIdentity";

    public string ClientId { get; set; } = "introserv-gateway";

    public string? ClientSecret { get; set; }

    /// <summary>Identity's token endpoint, inside the cluster.</summary>
    public Uri TokenEndpoint { get; set; } = new("http://identity/connect/token");
}

/// <summary>
/// A service access token for the gateway's calls to Identity (client-credentials grant), fetched when
/// first needed and renewed a minute before it expires.
/// </summary>
internal sealed class ServiceTokenProvider(
    IHttpClientFactory http,
    Microsoft.Extensions.Options.IOptions<ServiceIdentitySettings> settings,
    TimeProvider clock) : IDisposable
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
            if (string.IsNullOrEmpty(options.ClientSecret))
            {
                throw new InvalidOperationException("ServiceIdentity:ClientSecret is not configured: the gateway cannot call Identity.");
            }

            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = options.ClientId,
                ["client_secret"] = options.ClientSecret,
            });
            using var response = await http.CreateClient(HttpClientName).PostAsync(options.TokenEndpoint, form, cancellationToken);
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
