using Microsoft.AspNetCore.Identity;

namespace Introserv.Identity.Data;

/// <summary>
/// A billing account. <see cref="IdentityUser{TKey}.UserName"/> is the billing login: lower case,
/// unique, and never changed after registration (no code path writes it again).
/// </summary>
public sealed class Account : IdentityUser<Guid>
{
    public required string FirstName { get; set; }

    public required string LastName { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
