using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.Identity.Data;
using Introserv.Identity.Features.SignIn;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Identity.Features.Registration;

/// <summary>
/// Local runs: creates the configured demo customer once (as registration does: the customer role and
/// <c>AccountRegistered</c> in one transaction, so Profile and Notifications set it up), with the configured id so
/// Orders can seed its balance and orders. Only in the Development environment.
/// </summary>
public static class DemoCustomer
{
    public static async Task EnsureAsync(IServiceProvider provider, DemoCustomerSettings? demo, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        if (demo is null || string.IsNullOrWhiteSpace(demo.Login))
        {
            return;
        }

        if (!provider.GetRequiredService<IHostEnvironment>().IsDevelopment())
        {
            throw new InvalidOperationException("Identity:DemoCustomer is for local development; remove it from this environment's configuration.");
        }

        var users = provider.GetRequiredService<UserManager<Account>>();
        var login = demo.Login.Trim().ToLowerInvariant();
        if (await users.FindByNameAsync(login) is not null || await users.FindByIdAsync(demo.Id.ToString()) is not null)
        {
            return;
        }

        var errors = RegistrationRules.Validate(
            new RegisterAccountRequest(login, demo.Password, demo.Email, demo.FirstName, demo.LastName), provider.GetRequiredService<CommonPasswords>());
        if (demo.Id == Guid.Empty || errors.Count > 0)
        {
            throw new InvalidOperationException(
                $"Identity:DemoCustomer is invalid: {string.Join("; ", errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")).Append(demo.Id == Guid.Empty ? "Id: required" : null).OfType<string>())}");
        }

        var db = provider.GetRequiredService<IdentityServiceDbContext>();
        var clock = provider.GetRequiredService<TimeProvider>();
        var now = clock.GetUtcNow();
        var account = new Account
        {
            Id = demo.Id, UserName = login, Email = demo.Email!.Trim(), FirstName = demo.FirstName.Trim(), LastName = demo.LastName.Trim(), CreatedAt = now,
        };
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var created = await users.CreateAsync(account, demo.Password!);
            if (!created.Succeeded)
            {
                throw new InvalidOperationException($"Creating the demo customer failed: {string.Join(", ", created.Errors.Select(e => e.Code))}");
            }

            db.UserRoles.Add(new IdentityUserRole<Guid> { UserId = account.Id, RoleId = RoleIds.CustomerRoleId });
            db.AddIntegrationEvent(new AccountRegistered(Guid.CreateVersion7(now), now, account.Id, login, account.Email, account.FirstName, account.LastName), clock);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }, cancellationToken);
        logger.LogInformation("Created the demo customer {Login}", login);
    }
}
