using System.Text.RegularExpressions;

namespace Introserv.Identity.Features.Registration;

// A password that is not among the most commonly used ones (CommonPasswords).
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class NotCommonPasswordAttribute()
    : System.ComponentModel.DataAnnotations.ValidationAttribute(CommonMessage)
{
    public const string CommonMessage = "This password is among the most commonly used ones; choose another.";

    protected override System.ComponentModel.DataAnnotations.ValidationResult? IsValid(
        object? value, System.ComponentModel.DataAnnotations.ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        var common = (CommonPasswords?)validationContext.GetService(typeof(CommonPasswords));
        return value is string password && common?.Contains(password) == true
            ? new System.ComponentModel.DataAnnotations.ValidationResult(
                ErrorMessageString, validationContext.MemberName is { } member ? [member] : null)
            : System.ComponentModel.DataAnnotations.ValidationResult.Success;
    }
}

// The rules a new account must satisfy, checked before anything is stored.
public static partial class RegistrationRules
{
    public const int LoginMinLength = 3;
    public const int LoginMaxLength = 32;
    public const int PasswordMinLength = 8;
    public const int PasswordMaxLength = 128;
    public const int NameMaxLength = 100;
    public const int EmailMaxLength = 254;
    public const string LoginAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789._-";

    // Upper case is accepted and folded: logins are unique case-insensitively and stored lower case.
    public const string LoginPatternText = "^[a-zA-Z0-9._-]+$";

    public const string LoginMessage = "The login is 3 to 32 characters of a-z, 0-9, '.', '_' and '-'.";

    // The message for a reserved login (see ReservedLogins).
    public const string LoginReservedMessage = "This login is reserved for the provider's staff; choose another.";

    // Validates a request; returns field name → messages (empty when valid). Reserved logins are refused unless
    // allowReservedLogin (accounts made by configuration, never by a customer).
    public static Dictionary<string, string[]> Validate(
        RegisterAccountRequest request, CommonPasswords commonPasswords, bool allowReservedLogin = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        var login = request.Login?.Trim() ?? "";
        if (login.Length is < LoginMinLength or > LoginMaxLength || !LoginPattern().IsMatch(login))
        {
            errors["login"] = [LoginMessage];
        }
        else if (!allowReservedLogin && ReservedLogins.IsReserved(login))
        {
            errors["login"] = [LoginReservedMessage];
        }

        if (CheckPassword(request.Password, login, commonPasswords) is { } passwordError)
        {
            errors["password"] = [passwordError];
        }

        var email = request.Email?.Trim() ?? "";
        if (email.Length is 0 or > EmailMaxLength || !Introserv.ServiceDefaults.EmailAttribute.IsEmail(email))
        {
            errors["email"] = ["A valid email address is required."];
        }

        CheckName(errors, "firstName", request.FirstName);
        CheckName(errors, "lastName", request.LastName);
        return errors;
    }

    // The password rules (length, common passwords, not the login); null when the password is acceptable.
    public static string? CheckPassword(string? password, string login, CommonPasswords commonPasswords)
    {
        ArgumentNullException.ThrowIfNull(commonPasswords);
        password ??= "";
        if (password.Length is < PasswordMinLength or > PasswordMaxLength)
        {
            return $"The password is {PasswordMinLength} to {PasswordMaxLength} characters long.";
        }

        if (commonPasswords.Contains(password))
        {
            return NotCommonPasswordAttribute.CommonMessage;
        }

        return string.Equals(password, login, StringComparison.OrdinalIgnoreCase)
            ? "The password must not be the login."
            : null;
    }

    // The confirmation of a new password: the same text typed twice.
    public static IEnumerable<System.ComponentModel.DataAnnotations.ValidationResult> Confirmation(
        string? newPassword, string? confirmPassword)
    {
        if (!string.Equals(newPassword, confirmPassword, StringComparison.Ordinal))
        {
            yield return new("The confirmation does not match the new password.", ["confirmPassword"]);
        }
    }

    private static void CheckName(Dictionary<string, string[]> errors, string field, string? value)
    {
        var trimmed = value?.Trim() ?? "";
        if (trimmed.Length is 0 or > NameMaxLength)
        {
            errors[field] = [$"Required, at most {NameMaxLength} characters."];
        }
    }

    [GeneratedRegex(LoginPatternText)]
    private static partial Regex LoginPattern();
}
