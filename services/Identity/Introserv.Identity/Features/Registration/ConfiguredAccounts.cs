using Introserv.Identity.Features.SignIn;

namespace Introserv.Identity.Features.Registration;

// Accounts that configuration creates at start-up (the bootstrap staff account, the demo customer).
public static class ConfiguredAccounts
{
    // Creates the account with its role in one transaction (plus whatever alsoAdd adds, e.g. an event), so a crash
    // never leaves it half made. False when its login was taken meanwhile; other failures throw. Each attempt (the
    // execution strategy retries a deadlock with another replica creating the same account) runs in a scope of its own
    // with a new copy of account (its id, login, email, names and creation time): a failed attempt leaves its context
    // and its instance changed, and reusing them made the retry fail instead of seeing the other replica's account.
    public static async Task<bool> CreateAsync(
        IServiceProvider provider, Account account, string password, Guid roleId,
        Action<IdentityServiceDbContext>? alsoAdd, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(account);
        var strategy = provider.GetRequiredService<IdentityServiceDbContext>().Database.CreateExecutionStrategy();
        var scopes = provider.GetRequiredService<IServiceScopeFactory>();
        return await strategy.ExecuteAsync(async ct =>
        {
            await using var scope = scopes.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<Account>>();
            var db = scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            IdentityResult created;
            try
            {
                created = await users.CreateAsync(Copy(account), password);
            }
            catch (DbUpdateException)
            {
                // The other replica's insert committed first (a unique index refused this one).
                if (await LoginTakenAsync(scopes, account.UserName!))
                {
                    return false;
                }

                throw;
            }

            if (!created.Succeeded)
            {
                // Another replica (or a registration) took the login meanwhile: its validation may have seen the
                // login still free and the email already taken.
                if (await LoginTakenAsync(scopes, account.UserName!))
                {
                    return false;
                }

                throw new StartupConfigurationException(
                    $"Creating the account {account.UserName} failed: " +
                    $"{string.Join(", ", created.Errors.Select(e => e.Code))}");
            }

            db.UserRoles.Add(new IdentityUserRole<Guid> { UserId = account.Id, RoleId = roleId });
            alsoAdd?.Invoke(db);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return true;
        }, cancellationToken);
    }

    // Whether the login exists, read in a scope of its own (after a refused insert the attempt's transaction is aborted
    // and cannot be queried).
    private static async Task<bool> LoginTakenAsync(IServiceScopeFactory scopes, string login)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<Account>>();
        return await users.FindByNameAsync(login) is not null;
    }

    private static Account Copy(Account account) => new()
    {
        Id = account.Id, UserName = account.UserName, Email = account.Email, FirstName = account.FirstName,
        LastName = account.LastName, CreatedAt = account.CreatedAt,
    };

    // The validation errors of a configured account as one line for the start-up exception.
    public static string Describe(IEnumerable<KeyValuePair<string, string[]>> errors) =>
        string.Join("; ", errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")));
}
