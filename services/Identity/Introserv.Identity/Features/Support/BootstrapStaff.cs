using Introserv.Identity.Features.Registration;
using Introserv.Identity.Features.SignIn;

namespace Introserv.Identity.Features.Support;

// The first staff account from configuration (Identity:BootstrapStaff). It is created, with the staff role and in one
// transaction, only while its login is free. Configuration never promotes an existing account: when the login belongs
// to any account that is not a staff-only account, start-up stops with an explanation (a customer could otherwise
// register the login first and be made staff by the next deployment). The login may be a reserved word
// (ReservedLogins): reservation keeps customers away from it.
public static class BootstrapStaff
{
    public static async Task EnsureAsync(
        IServiceProvider provider, StaffBootstrapOptions? staff, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(logger);
        if (staff is null || string.IsNullOrWhiteSpace(staff.Login))
        {
            return;
        }

        var users = provider.GetRequiredService<UserManager<Account>>();
        var login = staff.Login.Trim().ToLowerInvariant();
        if (await users.FindByNameAsync(login) is { } existing)
        {
            var roles = await users.GetRolesAsync(existing);
            if (roles.Contains(AuthenticationExtensions.StaffRole)
                && !roles.Contains(AuthenticationExtensions.CustomerRole))
            {
                return;
            }

            throw new StartupConfigurationException(
                $"Identity:BootstrapStaff:Login '{login}' belongs to an existing account that is not the staff " +
                $"account (roles: {(roles.Count == 0 ? "none" : string.Join(", ", roles))}). " +
                $"Configuration never promotes an existing account " +
                "to staff: choose a login no account uses, " +
                "or remove Identity:BootstrapStaff and grant the role by hand after checking the account.");
        }

        if (string.IsNullOrEmpty(staff.Password) || string.IsNullOrWhiteSpace(staff.Email))
        {
            throw new StartupConfigurationException(
                "Identity:BootstrapStaff needs Login, Email and Password to create the account.");
        }

        var errors = RegistrationRules.Validate(
            new RegisterAccountRequest(login, staff.Password, staff.Email, "Support", "Staff"),
            provider.GetRequiredService<CommonPasswords>(),
            allowReservedLogin: true);
        if (errors.Count > 0)
        {
            throw new StartupConfigurationException(
                $"Identity:BootstrapStaff is invalid: {ConfiguredAccounts.Describe(errors)}");
        }

        var now = provider.GetRequiredService<TimeProvider>().GetUtcNow();
        var account = new Account
        {
            Id = Guid.CreateVersion7(now), UserName = login, Email = staff.Email.Trim(), FirstName = "Support",
            LastName = "Staff", CreatedAt = now,
        };
        var createdHere = await ConfiguredAccounts.CreateAsync(
            provider, account, staff.Password, RoleIds.StaffRoleId, alsoAdd: null, cancellationToken);
        if (!createdHere)
        {
            // Another replica (or a registration) took the login a moment ago: check it like any existing account.
            await EnsureAsync(provider, staff, logger, cancellationToken);
            return;
        }

        logger.LogInformation("Created the bootstrap staff account {Login}", login);
    }
}
