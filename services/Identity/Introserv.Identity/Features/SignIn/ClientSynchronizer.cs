using Introserv.BuildingBlocks.Data;
using Introserv.Identity.Data;
using Introserv.Identity.Features.Registration;
using Introserv.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Introserv.Identity.Features.SignIn;

/// <summary>
/// After the migrations, registers the configured client applications (creating or updating them, so the
/// configuration stays the source of truth) and creates the bootstrap staff account and, in local runs, the demo
/// customer when they are configured.
/// </summary>
public sealed class ClientSynchronizer(
    IServiceProvider services,
    MigrationState<IdentityServiceDbContext> migrations,
    IOptions<IdentityServerSettings> settings,
    ILogger<ClientSynchronizer> logger) : BackgroundService
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the clients are registered.</summary>
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
                await SynchronizeClientsAsync(scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>(), stoppingToken);
                await BootstrapStaffAsync(scope.ServiceProvider, stoppingToken);
                await DemoCustomer.EnsureAsync(scope.ServiceProvider, settings.Value.DemoCustomer, logger, stoppingToken);
                _done.TrySetResult();
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not InvalidOperationException)
            {
                logger.LogWarning(ex, "Registering the client applications failed; retrying in {Delay}", delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 30));
            }
        }
    }

    private async Task SynchronizeClientsAsync(IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        var descriptors = settings.Value.Clients.Select(Describe).Concat(settings.Value.ServiceClients.Select(Describe));
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

    private static OpenIddictApplicationDescriptor Describe(ServiceClientSettings client)
    {
        if (string.IsNullOrWhiteSpace(client.ClientId) || client.ClientSecret.Length < 32)
        {
            throw new InvalidOperationException("Every Identity:ServiceClients entry needs a ClientId and a ClientSecret of at least 32 characters.");
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

    private static OpenIddictApplicationDescriptor Describe(ClientSettings client)
    {
        if (string.IsNullOrWhiteSpace(client.ClientId) || client.RedirectUris.Count == 0)
        {
            throw new InvalidOperationException("Every Identity:Clients entry needs a ClientId and at least one RedirectUri.");
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

    private async Task BootstrapStaffAsync(IServiceProvider provider, CancellationToken cancellationToken)
    {
        var staff = settings.Value.BootstrapStaff;
        if (staff is null || string.IsNullOrWhiteSpace(staff.Login))
        {
            return;
        }

        var users = provider.GetRequiredService<UserManager<Account>>();
        var login = staff.Login.Trim().ToLowerInvariant();
        var account = await users.FindByNameAsync(login);
        if (account is null)
        {
            if (string.IsNullOrEmpty(staff.Password) || string.IsNullOrWhiteSpace(staff.Email))
            {
                throw new InvalidOperationException("Identity:BootstrapStaff needs Login, Email and Password to create the account.");
            }

            var errors = RegistrationRules.Validate(
                new RegisterAccountRequest(login, staff.Password, staff.Email, "Support", "Staff"),
                provider.GetRequiredService<CommonPasswords>());
            if (errors.Count > 0)
            {
                throw new InvalidOperationException(
                    $"Identity:BootstrapStaff is invalid: {string.Join("; ", errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")))}");
            }

            var clock = provider.GetRequiredService<TimeProvider>();
            account = new Account
            {
                Id = Guid.CreateVersion7(clock.GetUtcNow()),
                UserName = login,
                Email = staff.Email.Trim(),
                FirstName = "Support",
                LastName = "Staff",
                CreatedAt = clock.GetUtcNow(),
            };
            var created = await users.CreateAsync(account, staff.Password);
            if (!created.Succeeded)
            {
                throw new InvalidOperationException($"Creating the bootstrap staff account failed: {string.Join(", ", created.Errors.Select(e => e.Code))}");
            }

            logger.LogInformation("Created the bootstrap staff account {Login}", login);
        }

        if (!await users.IsInRoleAsync(account, AuthenticationExtensions.StaffRole))
        {
            await users.AddToRoleAsync(account, AuthenticationExtensions.StaffRole);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }
}

/// <summary>Not ready until the client applications are registered (sign-in would fail before).</summary>
public sealed class ClientSynchronizerHealthCheck(ClientSynchronizer synchronizer) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(synchronizer.Completion.IsCompletedSuccessfully
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("Client applications are not registered yet."));
}
