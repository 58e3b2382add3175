using Introserv.Identity.Data;
using Introserv.Identity.Features.SignIn;
using Introserv.Identity.Features.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Introserv.Identity.Tests;

// The bootstrap staff account comes from configuration and never turns an existing account into staff.
public sealed class StaffBootstrapTests(IdentityServiceFactory factory) : IClassFixture<IdentityServiceFactory>
{
    [Fact]
    public async Task A_start_up_configured_with_a_customers_login_fails_and_the_customer_stays_a_customer()
    {
        var (id, login, _) = await factory.RegisterAsync();
        // The failing start-up stops the host (and disposes its services) as soon as it can: take hold of the
        // synchronizer while the host starts, not after.
        var captured = new TaskCompletionSource<ClientSynchronizer>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var misconfigured = factory.WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Identity:BootstrapStaff:Login", login);
            builder.ConfigureTestServices(services => services.AddSingleton<IHostedService>(provider =>
            {
                captured.TrySetResult(provider.GetRequiredService<ClientSynchronizer>());
                return new Nothing();
            }));
        });
        try
        {
            misconfigured.CreateClient().Dispose();
        }
        catch (Exception ex)
            when (ex is ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // The host stopped before the client was made: the failure this test expects.
        }

        var synchronizer = await captured.Task.WaitAsync(TimeSpan.FromMinutes(1));
        var failure = await Assert.ThrowsAsync<StartupConfigurationException>(() =>
            synchronizer.Completion.WaitAsync(TimeSpan.FromMinutes(1)));

        Assert.Contains($"'{login}'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("never promotes", failure.Message, StringComparison.Ordinal);
        Assert.Equal([AuthenticationExtensions.CustomerRole], await RolesOfAsync(id));
    }

    [Fact]
    public async Task The_configured_staff_account_is_created_once_and_a_restart_leaves_it_alone()
    {
        var settings = new StaffBootstrapOptions
        {
            Login = "Security",
            Email = $"{Guid.NewGuid():N}@example.com",
            Password = "staff quiet harbour 8"
        };

        await EnsureAsync(settings);
        await EnsureAsync(settings);

        await using var scope = factory.Services.CreateAsyncScope();
        var staff = await scope.ServiceProvider.GetRequiredService<UserManager<Account>>().FindByNameAsync("security");
        Assert.NotNull(staff); // a reserved login: configuration may use it, registration may not
        Assert.Equal([AuthenticationExtensions.StaffRole], await RolesOfAsync(staff.Id));
    }

    // Replicas starting together all create the configured account: one creates it, the others find it, none fails.
    [Fact]
    public async Task Twenty_replicas_creating_the_configured_staff_account_at_once_make_one_and_all_succeed()
    {
        var login = $"ops{Guid.NewGuid():N}"[..16];
        var settings = new StaffBootstrapOptions
        {
            Login = login, Email = $"{login}@example.com", Password = "staff quiet harbour 8"
        };

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => EnsureAsync(settings))));

        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<Account>>();
        var staff = await users.FindByNameAsync(login);
        Assert.NotNull(staff);
        Assert.Equal([AuthenticationExtensions.StaffRole], await RolesOfAsync(staff.Id));
        Assert.Equal(1, await users.Users.CountAsync(a => a.Email == settings.Email));
    }

    [Fact]
    public async Task An_account_promoted_by_an_earlier_version_is_refused_too()
    {
        var (id, login, password) = await factory.RegisterAsync();
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<Account>>();
            await users.AddToRoleAsync((await users.FindByIdAsync(id.ToString()))!, AuthenticationExtensions.StaffRole);
        }

        var failure = await Assert.ThrowsAsync<StartupConfigurationException>(
            () => EnsureAsync(
                new StaffBootstrapOptions { Login = login, Email = $"{login}@example.com", Password = password }));

        Assert.Contains("customer", failure.Message, StringComparison.Ordinal);
    }

    private async Task EnsureAsync(StaffBootstrapOptions settings)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        await BootstrapStaff.EnsureAsync(scope.ServiceProvider, settings, NullLogger.Instance, CancellationToken.None);
    }

    private async Task<List<string>> RolesOfAsync(Guid accountId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<Account>>();
        return [.. (await users.GetRolesAsync((await users.FindByIdAsync(accountId.ToString()))!))
            .Order(StringComparer.Ordinal)];
    }

    private sealed class Nothing : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
