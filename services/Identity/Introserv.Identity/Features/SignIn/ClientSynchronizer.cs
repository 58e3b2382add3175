using Introserv.BuildingBlocks.Data;
using Introserv.Identity.Features.Registration;
using Introserv.Identity.Features.Support;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Introserv.Identity.Features.SignIn;

// After the migrations, registers the configured client applications (creating or updating them, so the
// configuration stays the source of truth) and creates the bootstrap staff account and, in local runs, the demo
// customer when they are configured. A configuration error stops the service (and fails its health check).
public sealed class ClientSynchronizer(
    IServiceProvider services,
    MigrationState<IdentityServiceDbContext> migrations,
    IOptions<IdentityServerOptions> settings,
    ILogger<ClientSynchronizer> logger) : BackgroundService
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Completes when the clients are registered.
    public Task Completion => _done.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await migrations.WhenApplied(stoppingToken);
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                await SynchronizeClientsAsync(
                    scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>(), stoppingToken);
                await BootstrapStaff.EnsureAsync(
                    scope.ServiceProvider, settings.Value.BootstrapStaff, logger, stoppingToken);
                await DemoCustomer.EnsureAsync(
                    scope.ServiceProvider, settings.Value.DemoCustomer, logger, stoppingToken);
                _done.TrySetResult();
                return;
            }
            catch (StartupConfigurationException ex)
            {
                // A configuration error (e.g. a bootstrap staff login that belongs to a customer): stop, loudly. Any
                // other failure (a race with another replica doing the same, the database) is retried below.
                logger.LogCritical(ex, "Identity cannot start: {Reason}", ex.Message);
                _done.TrySetException(ex);
                throw;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Registering the client applications failed; retrying in {Delay}", delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 30));
            }
        }
    }

    private async Task SynchronizeClientsAsync(
        IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        var descriptors = settings.Value.Clients
            .Select(Describe)
            .Concat(settings.Value.ServiceClients.Select(Describe));
        foreach (var descriptor in descriptors)
        {
            var client = descriptor;
            var existing = await applications.FindByClientIdAsync(client.ClientId!, cancellationToken);
            if (existing is null)
            {
                await applications.CreateAsync(descriptor, cancellationToken);
                logger.LogInformation("Registered client application {ClientId}", client.ClientId);
            }
            else
            {
                await applications.UpdateAsync(existing, descriptor, cancellationToken);
            }
        }
    }

    private static OpenIddictApplicationDescriptor Describe(ServiceClientOptions client)
    {
        if (string.IsNullOrWhiteSpace(client.ClientId) || client.ClientSecret.Length < 32)
        {
            throw new StartupConfigurationException(
                "Every Identity:ServiceClients entry needs a ClientId and a ClientSecret of at least 32 characters.");
        }

        return new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            ClientSecret = client.ClientSecret,
            DisplayName = client.DisplayName ?? client.ClientId,
            ClientType = ClientTypes.Confidential,
            Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials },
        };
    }

    private static OpenIddictApplicationDescriptor Describe(ClientOptions client)
    {
        if (string.IsNullOrWhiteSpace(client.ClientId) || client.RedirectUris.Count == 0)
        {
            throw new StartupConfigurationException(
                "Every Identity:Clients entry needs a ClientId and at least one RedirectUri.");
        }

        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            DisplayName = client.DisplayName ?? client.ClientId,
            ClientType = ClientTypes.Public,
            ConsentType = ConsentTypes.Implicit,
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.Endpoints.Revocation,
                Permissions.Endpoints.EndSession,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken,
                Permissions.ResponseTypes.Code,
                Permissions.Scopes.Profile,
                Permissions.Scopes.Email,
                Permissions.Scopes.Roles,
                Permissions.Prefixes.Scope + Scopes.OfflineAccess,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        foreach (var uri in client.RedirectUris)
        {
            descriptor.RedirectUris.Add(new Uri(uri, UriKind.Absolute));
        }

        foreach (var uri in client.PostLogoutRedirectUris)
        {
            descriptor.PostLogoutRedirectUris.Add(new Uri(uri, UriKind.Absolute));
        }

        return descriptor;
    }
}

// Not ready until the client applications are registered (sign-in would fail before).
public sealed class ClientSynchronizerHealthCheck(ClientSynchronizer synchronizer) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(
        HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(synchronizer.Completion switch
        {
            { IsCompletedSuccessfully: true } => HealthCheckResult.Healthy(),
            { IsFaulted: true } failed => HealthCheckResult.Unhealthy(
                "Start-up failed: check the configuration.", failed.Exception?.InnerException),
            _ => HealthCheckResult.Unhealthy("Client applications are not registered yet."),
        });
}
