using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Introserv.ServiceDefaults;

/// <summary>
/// Identity's discovery document (its issuer and signing keys) as a service's bearer scheme reads it. Until one read
/// has succeeded, the service makes one read at a time: requests that arrive while a read is under way wait for that
/// read rather than each for one of its own in turn (the framework's manager reads again for every waiting request,
/// so with Identity accepting connections but never answering, twenty requests at once waited minutes instead of
/// the backchannel timeout), and a failed read answers every request for the next <see cref="FailureMemory"/>
/// without another attempt, so each gets its 503 at once. After the first successful read the framework's own caching
/// and refresh apply unchanged (a refresh that fails keeps the keys already read).
/// </summary>
public sealed class SharedDiscoveryReads(
    string metadataAddress, HttpClient backchannel, bool requireHttps, TimeProvider clock)
    : ConfigurationManager<OpenIdConnectConfiguration>(
        metadataAddress,
        new OpenIdConnectConfigurationRetriever(),
        new HttpDocumentRetriever(backchannel) { RequireHttps = requireHttps })
{
    /// <summary>How long a failed first read answers requests before the next one is tried.</summary>
    public static readonly TimeSpan FailureMemory = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private Task<OpenIdConnectConfiguration>? _firstRead;
    private DateTimeOffset _retryAt;
    private volatile bool _hasRead;

    public override Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel)
    {
        if (_hasRead)
        {
            return base.GetConfigurationAsync(cancel);
        }

        Task<OpenIdConnectConfiguration> read;
        lock (_gate)
        {
            if (_firstRead is null || (_firstRead is { IsCompleted: true, IsCompletedSuccessfully: false }
                && clock.GetUtcNow() >= _retryAt))
            {
                _firstRead = FirstReadAsync();
            }

            read = _firstRead;
        }

        // A request that goes away stops waiting; the read goes on for the others.
        return read.WaitAsync(cancel);
    }

    private async Task<OpenIdConnectConfiguration> FirstReadAsync()
    {
        try
        {
            var configuration = await base.GetConfigurationAsync(CancellationToken.None);
            _hasRead = true;
            return configuration;
        }
        catch
        {
            lock (_gate)
            {
                _retryAt = clock.GetUtcNow() + FailureMemory;
            }

            throw;
        }
    }
}
