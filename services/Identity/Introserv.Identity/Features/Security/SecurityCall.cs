using Introserv.Identity.Features.Registration;
using Microsoft.Extensions.Validation;
using OpenIddict.Abstractions;

namespace Introserv.Identity.Features.Security;

// [SkipValidation] is the validation framework's way to leave a parameter alone; .NET 10 marks it for evaluation.
#pragma warning disable ASP0029

// What every account-security handler works with, bound as one parameter ([AsParameters]). Services, not input: request
// validation skips it (it would otherwise walk the database context's sets).
[SkipValidation]
public sealed record SecurityCall(
    ClaimsPrincipal User, HttpContext Context, IdentityServiceDbContext Db, StepUp StepUp, TimeProvider Clock,
    CancellationToken Aborted);

// What setting a new password needs (a change or a reset), bound as one parameter ([AsParameters]); not validated.
[SkipValidation]
public sealed record PasswordServices(
    UserManager<Account> Users,
    IPasswordHasher<Account> Hasher,
    CommonPasswords CommonPasswords,
    IOpenIddictAuthorizationManager Authorizations,
    IOpenIddictTokenManager Tokens);
#pragma warning restore ASP0029
