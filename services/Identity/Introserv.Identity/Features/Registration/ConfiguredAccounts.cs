namespace Introserv.Identity.Features.Registration;

// Accounts that configuration creates at start-up (the bootstrap staff account, the demo customer).
public static class ConfiguredAccounts
{
    // Creates the account with its role in one transaction (plus whatever alsoAdd adds, e.g. an event), so a crash
    // never leaves it half made. False when its login was taken meanwhile; other failures throw.
    public static async Task<bool> CreateAsync(
        IServiceProvider provider, Account account, string password, Guid roleId,
        Action<IdentityServiceDbContext>? alsoAdd, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(account);
        var users = provider.GetRequiredService<UserManager<Account>>();
        var db = provider.GetRequiredService<IdentityServiceDbContext>();
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var created = await users.CreateAsync(account, password);
            if (created.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.DuplicateUserName)))
            {
                return false;
            }

            if (!created.Succeeded)
            {
                throw new InvalidOperationException(
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

    // The validation errors of a configured account as one line for the start-up exception.
    public static string Describe(IEnumerable<KeyValuePair<string, string[]>> errors) =>
        string.Join("; ", errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")));
}
