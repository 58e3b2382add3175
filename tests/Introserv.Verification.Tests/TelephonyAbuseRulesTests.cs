using Introserv.Verification.Challenges;
using PhoneNumbers;

namespace Introserv.Verification.Tests;

public sealed class TelephonyAbuseRulesTests
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    public static TheoryData<PhoneNumberType> RefusedTypes() =>
    [
        PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST, PhoneNumberType.TOLL_FREE, PhoneNumberType.UAN,
        PhoneNumberType.VOICEMAIL, PhoneNumberType.PAGER, PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.VOIP,
    ];

    [Theory]
    [MemberData(nameof(RefusedTypes))]
    public void Numbers_that_cost_the_sender_or_reach_no_handset_are_read_but_not_allowed_in_every_country(
        PhoneNumberType type)
    {
        var examples = Util.GetSupportedRegions()
            .Select(region => Util.GetExampleNumberForType(region, type))
            .Where(example => example is not null)
            .Select(example => Util.Format(example, PhoneNumberFormat.E164))
            .ToList();
        Assert.NotEmpty(examples);

        foreach (var example in examples)
        {
            var phone = PhoneNumberRules.Parse(example);
            Assert.NotNull(phone);
            Assert.Equal(type, phone.Type);
            Assert.False(phone.TypeAllowed, example);
        }
    }

    [Theory]
    [InlineData("+44 909 879 0000", "premium_rate")]
    [InlineData("+44 800 123 4567", "toll_free")]
    [InlineData("+1 800 234 5678", "toll_free")]
    [InlineData("+44 56 1234 5678", "voip")]
    [InlineData("+44 70 1234 5678", "personal_number")]
    public void Well_known_paid_and_virtual_numbers_are_named_by_their_type(string input, string typeName)
    {
        var phone = PhoneNumberRules.Parse(input);

        Assert.NotNull(phone);
        Assert.Equal(typeName, phone.TypeName);
        Assert.False(phone.TypeAllowed);
    }

    [Theory]
    [InlineData("+359881234567", "BG", "mobile")]
    [InlineData("+35921234567", "BG", "fixed_line")]
    [InlineData("+447400123456", "GB", "mobile")]
    [InlineData("+16502530000", "US", "fixed_line_or_mobile")]
    [InlineData("+4930123456", "DE", "fixed_line")]
    public void Mobiles_and_landlines_are_allowed_and_carry_their_country(string input, string region, string typeName)
    {
        var phone = PhoneNumberRules.Parse(input);

        Assert.NotNull(phone);
        Assert.True(phone.TypeAllowed);
        Assert.Equal(region, phone.Region);
        Assert.Equal(typeName, phone.TypeName);
    }

    [Fact]
    public void Only_mobile_and_fixed_lines_are_allowed() => Assert.Equal(
        [PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE],
        Enum.GetValues<PhoneNumberType>().Where(PhoneNumberRules.AllowedTypes.Contains).Order());

    [Fact]
    public void A_country_budget_overrides_the_default_whatever_the_case_of_its_code()
    {
        var settings = new TelephonyBudgetOptions();
        settings.Sms.Countries["gb"] = 7;

        Assert.Equal(7, settings.For("sms").PerHourTo("GB"));
        Assert.Equal(settings.Sms.PerCountryPerHour, settings.For("sms").PerHourTo("BG"));
        Assert.Same(settings.Call, settings.For("call"));
        Assert.Empty(settings.Validate());
    }

    [Theory]
    [InlineData("GBR", 5)]
    [InlineData("G1", 5)]
    [InlineData("BG", -1)]
    public void A_country_budget_needs_an_ISO_code_and_a_non_negative_count(string region, int budget)
    {
        var settings = new TelephonyBudgetOptions();
        settings.Call.Countries[region] = budget;

        Assert.Contains(settings.Validate(),
            e => e.ErrorMessage!.Contains($"Countries:{region}", StringComparison.Ordinal));
    }

    [Fact]
    public void A_negative_global_budget_and_a_prefix_with_braces_are_refused()
    {
        var settings = new TelephonyBudgetOptions { KeyPrefix = "a{b}" };
        settings.Sms.GlobalPerHour = -1;

        Assert.Equal(2, settings.Validate().Count());
    }

    [Theory]
    [InlineData(0, -1, 2)]
    [InlineData(20, -1, 1)]
    [InlineData(0, 10, 1)]
    [InlineData(20, 10, 0)]
    public void The_service_does_not_start_with_a_per_address_limit_below_one_or_a_negative_budget(
        int perAddress, int callsPerHour, int errors)
    {
        var settings = new VerificationOptions { CodeHashKey = new string('k', 32) };
        settings.RateLimits.ChallengesPerAddress = perAddress;
        settings.Budgets.Call.GlobalPerHour = callsPerHour;

        Assert.Equal(errors,
            settings.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(settings)).Count());
    }
}
