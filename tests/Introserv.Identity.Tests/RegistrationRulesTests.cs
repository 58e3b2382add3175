using Introserv.Identity.Features.Registration;

namespace Introserv.Identity.Tests;

public sealed class RegistrationRulesTests
{
    private static readonly CommonPasswords Common = CommonPasswords.Load();

    private static RegisterAccountRequest Valid(
        string? login = "jane.doe-1", string? password = "violet canyon 42 lamps",
        string? email = "jane@example.com", string? first = "Jane", string? last = "Doe") =>
        new(login, password, email, first, last);

    [Fact]
    public void A_complete_request_is_valid()
    {
        Assert.Empty(RegistrationRules.Validate(Valid(), Common));
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")] // 33
    [InlineData("jane doe")]
    [InlineData("jane@doe")]
    [InlineData("жанна")]
    [InlineData("")]
    [InlineData(null)]
    public void Logins_outside_3_to_32_of_the_alphabet_are_refused(string? login)
    {
        Assert.Contains("login", RegistrationRules.Validate(Valid(login: login), Common).Keys);
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("ADMIN")]
    [InlineData("admin1")]
    [InlineData("admin-2")]
    [InlineData("ad.min")]
    [InlineData("support.team")]
    [InlineData("jane-admin")]
    [InlineData("root")]
    [InlineData("staff_42")]
    [InlineData("billing")]
    [InlineData("security")]
    [InlineData("introserv")]
    [InlineData("introservhelp")]
    [InlineData("mysupportdesk")]
    [InlineData("system")]
    [InlineData("postmaster")]
    [InlineData("abuse")]
    [InlineData("noc")]
    [InlineData("hostmaster")]
    [InlineData("webmaster")]
    [InlineData("administrator")]
    public void Reserved_logins_and_their_variants_are_refused(string login)
    {
        Assert.True(ReservedLogins.IsReserved(login));
        var errors = RegistrationRules.Validate(Valid(login: login), Common);
        Assert.Equal([RegistrationRules.LoginReservedMessage], errors["login"]);
        // Configuration (the bootstrap staff account) may use them.
        Assert.Empty(RegistrationRules.Validate(Valid(login: login), Common, allowReservedLogin: true));
    }

    [Theory]
    [InlineData("badminton")]
    [InlineData("rootsy")]
    [InlineData("nocturne")]
    [InlineData("staffan.berg")]
    [InlineData("jane.doe-1")]
    public void Ordinary_logins_that_merely_contain_a_short_reserved_word_are_free(string login)
    {
        Assert.False(ReservedLogins.IsReserved(login));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("abcdefghijklmnopqrstuvwxyz012345")] // 32
    [InlineData("Jane.Doe_1-x")]
    public void Logins_of_3_to_32_allowed_characters_pass(string login)
    {
        Assert.DoesNotContain("login", RegistrationRules.Validate(Valid(login: login), Common).Keys);
    }

    [Theory]
    [InlineData(7, false)]
    [InlineData(8, true)]
    [InlineData(128, true)]
    [InlineData(129, false)]
    public void Passwords_are_8_to_128_characters_without_composition_rules(int length, bool valid)
    {
        // Only lower-case letters from a non-dictionary pattern: no composition rule may refuse it.
        var password = string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + ((i * 7) + 3) % 26)));

        var errors = RegistrationRules.Validate(Valid(password: password), Common);

        Assert.Equal(valid, !errors.ContainsKey("password"));
    }

    [Theory]
    [InlineData("password")]
    [InlineData("PASSWORD1")]
    [InlineData("qwertyuiop")]
    [InlineData("12345678")]
    public void The_most_common_passwords_are_refused(string password)
    {
        var errors = RegistrationRules.Validate(Valid(password: password), Common);

        Assert.Contains("commonly used", errors["password"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void The_common_password_list_has_at_least_ten_thousand_entries()
    {
        Assert.True(Common.Count >= 10_000, $"only {Common.Count} entries");
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("jane@localhost")]
    [InlineData("Jane <jane@example.com>")]
    [InlineData("")]
    public void Email_must_be_a_plain_address(string email)
    {
        Assert.Contains("email", RegistrationRules.Validate(Valid(email: email), Common).Keys);
    }

    [Fact]
    public void Names_are_required_and_any_script_is_accepted()
    {
        Assert.Contains("firstName", RegistrationRules.Validate(Valid(first: "  "), Common).Keys);
        Assert.Contains("lastName", RegistrationRules.Validate(Valid(last: null), Common).Keys);
        Assert.Empty(RegistrationRules.Validate(Valid(first: "Жанна", last: "Дое-Łukasz"), Common));
    }

    [Fact]
    public void Every_invalid_field_is_named_at_once()
    {
        var errors = RegistrationRules.Validate(new RegisterAccountRequest("x", "short", "nope", "", ""), Common);

        Assert.Equal(["email", "firstName", "lastName", "login", "password"],
            errors.Keys.Order(StringComparer.Ordinal));
    }
}
