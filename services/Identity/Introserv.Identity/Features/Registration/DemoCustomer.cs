using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.Identity.Features.SignIn;

namespace Introserv.Identity.Features.Registration;

// Local runs: creates the configured demo customer once (as registration does: the customer role and AccountRegistered
// in one transaction, so Profile and Notifications set it up), with the configured id so Orders can seed its balance
// and orders. Only in the Development environment.
public static class DemoCustomer
{
    public static async Task EnsureAsync(
        IServiceProvider provider, DemoCustomerOptions? demo, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        if (demo is null || string.IsNullOrWhiteSpace(demo.Login))
        {
            return;
        }

        if (!provider.GetRequiredService<IHostEnvironment>().IsDevelopment())
        {
            throw new StartupConfigurationException(
                "Identity:DemoCustomer is for local development; remove it from this environment's configuration.");
        }

        var users = provider.GetRequiredService<UserManager<Account>>();
        var login = demo.Login.Trim().ToLowerInvariant();
        if (await users.FindByNameAsync(login) is not null || await users.FindByIdAsync(demo.Id.ToString()) is not null)
        {
            return;
        }

        var errors = RegistrationRules.Validate(
            new RegisterAccountRequest(login, demo.Password, demo.Email, demo.FirstName, demo.LastName),
            provider.GetRequiredService<CommonPasswords>());
        if (demo.Id == Guid.Empty || errors.Count > 0)
        {
            throw new StartupConfigurationException(
                $"Identity:DemoCustomer is invalid: {ConfiguredAccounts.Describe(
                    demo.Id == Guid.Empty ? errors.Append(new("id", ["required"])) : errors)}");
        }

        var clock = provider.GetRequiredService<TimeProvider>();
        var now = clock.GetUtcNow();
        var account = new Account
        {
            Id = demo.Id, UserName = login, Email = demo.Email!.Trim(), FirstName = demo.FirstName.Trim(),
            LastName = demo.LastName.Trim(), CreatedAt = now,
        };
        var created = await ConfiguredAccounts.CreateAsync(
            provider, account, demo.Password!, RoleIds.CustomerRoleId,
            db => db.AddIntegrationEvent(
                new AccountRegistered(
                    Guid.CreateVersion7(now), now, account.Id, login, account.Email, account.FirstName,
                    account.LastName),
                clock),
            cancellationToken);
        if (!created)
        {
            return; // another replica created it a moment ago
        }

        logger.LogInformation("Created the demo customer {Login}", login);
    }
}
