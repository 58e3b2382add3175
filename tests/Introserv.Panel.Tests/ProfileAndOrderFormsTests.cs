using System.ComponentModel.DataAnnotations;
using Introserv.Panel.Api;
using Introserv.Panel.Gateway.Models;

namespace Introserv.Panel.Tests;

// PUT /api/profile replaces the whole profile, so the form must send back every field it did not change; the order
// form is checked as the API checks it.
public sealed class ProfileAndOrderFormsTests
{
    private static ProfileResponse Profile() => new()
    {
        FirstName = "Ivan", LastName = "Petrov", City = "Varna", Address = "ul. Slivnitsa 9", Email = "i@example.com",
        Phone = "+359871234567", Country = "BG", ProfileType = "company", Version = 7,
        Company = new CompanyResponse { Name = "Petrov OOD", RegistrationNumber = "204567890", VatId = "BG204567890" },
        PostalAddress = new PostalAddressResponse
        {
            Recipient = "Ivan Petrov", Street = "ul. Slivnitsa 9", City = "Varna", PostalCode = "9000", Country = "BG",
        },
    };

    [Fact]
    public void Saving_a_changed_city_sends_back_the_phone_company_postal_address_country_and_version()
    {
        var current = Profile();
        var form = ProfileForm.From(current);
        form.City = " Burgas ";

        var request = form.ToRequest(current);

        Assert.Equal("Burgas", request.City);
        Assert.Equal(("+359871234567", "BG", 7), (request.Phone, request.Country, request.Version));
        Assert.Equal(UpdateProfileRequest_profileType.Company, request.ProfileType);
        Assert.Equal(("Petrov OOD", "204567890", "BG204567890"),
            (request.Company!.Name, request.Company.RegistrationNumber, request.Company.VatId));
        Assert.Equal(("Ivan Petrov", "ul. Slivnitsa 9", "Varna", "9000", "BG"),
            (request.PostalAddress!.Recipient, request.PostalAddress.Street, request.PostalAddress.City,
                request.PostalAddress.PostalCode, request.PostalAddress.Country));
        Assert.Null(request.Email);
    }

    [Fact]
    public void A_set_country_is_sent_as_it_is_whatever_the_form_says_and_an_individual_sends_no_company()
    {
        var current = Profile();
        var form = ProfileForm.From(current);
        form.Country = "DE";
        form.ProfileType = ProfileForm.Individual;
        form.Phone = "  ";

        var request = form.ToRequest(current);

        Assert.Equal("BG", request.Country);
        Assert.Null(request.Company);
        Assert.Null(request.Phone);
        Assert.Equal(UpdateProfileRequest_profileType.Individual, request.ProfileType);
    }

    [Fact]
    public void A_company_needs_its_name_and_registration_number()
    {
        var form = ProfileForm.From(Profile());
        form.CompanyName = "";
        form.RegistrationNumber = "";
        var results = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(form, new ValidationContext(form), results, true));
        Assert.Equal(["CompanyName", "RegistrationNumber"], results.SelectMany(r => r.MemberNames).Order());
    }

    private static PlanResponse Vps(string id) => new()
    {
        Id = id, Name = id.ToUpperInvariant(), Type = "vps", SetupFee = 0,
        Periods = [new PlanPeriodResponse { Months = 1, Price = 9.9, Tax = new TaxBreakdown { Gross = 11.88 } },
            new PlanPeriodResponse { Months = 3, Price = 28.81, Tax = new TaxBreakdown { Gross = 34.57 } }],
        OrderForm =
        [
            new OrderFieldResponse
            {
                Name = "os", Label = "Operating system", Type = "choice", Required = true, MaxLength = 253,
                Choices = [new OrderFieldChoice { Value = "debian-12", Label = "Debian 12" },
                    new OrderFieldChoice { Value = "ubuntu-24.04", Label = "Ubuntu" }],
            },
            new OrderFieldResponse
            {
                Name = "hostname", Label = "Hostname", Type = "text", Required = true, MaxLength = 253,
                Pattern = "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$",
            },
        ],
    };

    [Fact]
    public void An_order_draft_checks_the_plans_fields_and_keeps_them_across_a_change_of_plan()
    {
        var draft = new OrderDraft();
        draft.Choose(Vps("vps-s"));
        Assert.Equal("debian-12", draft.Fields["os"]);
        Assert.Equal("Hostname is required.", draft.Errors()["hostname"]);

        draft.Fields["hostname"] = "bad_host!";
        Assert.StartsWith("Hostname is not valid.", draft.Errors()["hostname"], StringComparison.Ordinal);
        draft.Fields["hostname"] = "Web1.example.com";
        draft.Fields["os"] = "ubuntu-24.04";
        Assert.Empty(draft.Errors());

        draft.Choose(Vps("vps-m"));
        draft.PeriodMonths = 3;
        Assert.Equal(("Web1.example.com", "ubuntu-24.04"), (draft.Fields["hostname"], draft.Fields["os"]));
        Assert.Equal(34.57, draft.FirstInvoiceGross);
        var request = draft.ToRequest();
        Assert.Equal(("vps-m", 3), (request.PlanId, request.PeriodMonths));
        Assert.Equal("Web1.example.com", request.Fields!.AdditionalData["hostname"]);
    }
}
