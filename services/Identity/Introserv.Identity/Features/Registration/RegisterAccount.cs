using System.ComponentModel.DataAnnotations;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Npgsql;

namespace Introserv.Identity.Features.Registration;

// A new customer account. Beyond the shape checked by its attributes, the rules of RegistrationRules.
public sealed record RegisterAccountRequest(
    [property: RequiredValue, TextLength(RegistrationRules.LoginMinLength, RegistrationRules.LoginMaxLength),
        RegularExpression(RegistrationRules.LoginPatternText, ErrorMessage = RegistrationRules.LoginMessage)]
    string? Login,
    [property: RequiredValue, TextLength(RegistrationRules.PasswordMinLength, RegistrationRules.PasswordMaxLength),
        NotCommonPassword]
    string? Password,
    [property: RequiredValue, Email, TextLength(EmailAttribute.MaxLength)] string? Email,
    [property: RequiredValue, TextLength(RegistrationRules.NameMaxLength)] string? FirstName,
    [property: RequiredValue, TextLength(RegistrationRules.NameMaxLength)] string? LastName) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        var commonPasswords = (CommonPasswords)validationContext.GetService(typeof(CommonPasswords))!;
        return RegistrationRules.Validate(this, commonPasswords)
            .Select(e => new ValidationResult(e.Value[0], [e.Key]));
    }
}

public sealed record AccountCreatedResponse(
    Guid AccountId, string Login, string Email, string FirstName, string LastName, DateTimeOffset CreatedAt);

public static class RegisterAccount
{
    public static IEndpointRouteBuilder MapRegisterAccount(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/accounts", HandleAsync)
            .AllowAnonymous()
            .WithName("RegisterAccount")
            .WithSummary("Register a customer account")
            .WithDescription(
                "The billing login (3–32 of a-z 0-9 . _ -) is unique case-insensitively and can never change.")
            .Problems(IdentityProblems.LoginTaken, IdentityProblems.EmailTaken);
        return endpoints;
    }

    public static async Task<Results<Created<AccountCreatedResponse>, ProblemHttpResult>> HandleAsync(
        RegisterAccountRequest request,
        UserManager<Account> users,
        IdentityServiceDbContext db,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var account = new Account
        {
            Id = Guid.CreateVersion7(now),
            UserName = request.Login!.Trim().ToLowerInvariant(),
            Email = request.Email!.Trim(),
            FirstName = request.FirstName!.Trim(),
            LastName = request.LastName!.Trim(),
            CreatedAt = now,
        };

        try
        {
            var strategy = db.Database.CreateExecutionStrategy();
            var conflict = await strategy.ExecuteAsync(async ct =>
            {
                db.ChangeTracker.Clear();
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                var result = await users.CreateAsync(account, request.Password!);
                if (!result.Succeeded)
                {
                    await transaction.RollbackAsync(ct);
                    return Conflict(result.Errors);
                }

                db.UserRoles.Add(new IdentityUserRole<Guid> { UserId = account.Id, RoleId = RoleIds.CustomerRoleId });

                db.AddIntegrationEvent(
                    new AccountRegistered(Guid.CreateVersion7(now), now, account.Id,
                        account.UserName!, account.Email!, account.FirstName, account.LastName),
                    clock);
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
                return null;
            }, cancellationToken);

            if (conflict is not null)
            {
                return conflict;
            }
        }
        catch (DbUpdateException ex)
            when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } unique)
        {
            // Two registrations raced past the uniqueness checks; the unique index decided.
            return unique.ConstraintName?.Contains("Email", StringComparison.OrdinalIgnoreCase) == true
                ? EmailTaken()
                : LoginTaken();
        }

        return TypedResults.Created(
            "/api/account/security",
            new AccountCreatedResponse(
                account.Id, account.UserName!, account.Email!, account.FirstName, account.LastName, now));
    }

    private static ProblemHttpResult Conflict(IEnumerable<IdentityError> errors)
    {
        var codes = errors.Select(e => e.Code).ToList();
        if (codes.Contains(nameof(IdentityErrorDescriber.DuplicateUserName)))
        {
            return LoginTaken();
        }

        if (codes.Contains(nameof(IdentityErrorDescriber.DuplicateEmail)))
        {
            return EmailTaken();
        }

        // The rules above mirror Identity's options, so anything else is a bug, not bad input.
        throw new InvalidOperationException($"Account creation failed: {string.Join(", ", codes)}");
    }

    private static ProblemHttpResult LoginTaken() => IdentityProblems.LoginTaken.Result(
        "Another account uses this billing login (logins are compared case-insensitively).");

    private static ProblemHttpResult EmailTaken() =>
        IdentityProblems.EmailTaken.Result("Another account is registered with this email address.");
}
