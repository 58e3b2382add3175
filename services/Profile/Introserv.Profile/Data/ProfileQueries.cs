namespace Introserv.Profile.Data;

public static class ProfileQueries
{
    // The account's profile as stored (not tracked), or null before AccountRegistered created it.
    public static Task<CustomerProfile?> FindProfileAsync(
        this ProfileDbContext db, Guid accountId, CancellationToken cancellationToken) =>
        (db ?? throw new ArgumentNullException(nameof(db))).Profiles
            .AsNoTracking()
            .FirstOrDefaultAsync(p => p.AccountId == accountId, cancellationToken);
}
