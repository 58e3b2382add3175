using Grpc.Core;
using Grpc.Net.Client;
using Introserv.Profile.Data;
using Introserv.Profile.Features;
using Introserv.Profile.Grpc;
using Introserv.Verification.Tests;
using static Introserv.Testing.JsonApi;
using static Introserv.Verification.Tests.VerificationClient;

namespace Introserv.Profile.Tests;

public sealed class ProfileTests(ProfileServiceFactory factory) : IClassFixture<ProfileServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static object Complete(
        int version, string? country = "BG", object? company = null, string type = "individual", string? phone = null,
        string city = "Sofia") => new
    {
        firstName = "  Иван ",
        lastName = "Петров-Ñúñez",
        city,
        address = "ul. Vitosha 1",
        phone,
        country,
        profileType = type,
        company,
        postalAddress = new
        {
            recipient = "Иван Петров",
            street = "ul. Vitosha 1",
            city = "Sofia",
            postalCode = "1000",
            country = "BG"
        },
        version,
    };

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PutAsync(
        HttpClient http, object body, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/profile")
        {
            Content = JsonContent.Create(body)
        };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private BillingProfiles.BillingProfilesClient Billing(string? token) =>
        new(GrpcChannel.ForAddress(factory.Server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = factory.Server.CreateHandler(),
            Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure,
                CallCredentials.FromInterceptor((_, metadata) =>
            {
                if (token is not null)
                {
                    metadata.Add("Authorization", $"Bearer {token}");
                }

                return Task.CompletedTask;
            })),
            UnsafeUseInsecureChannelCallCredentials = true,
        }));

    [Fact]
    public async Task A_registration_creates_one_profile_that_cannot_pay_until_it_is_complete()
    {
        var accountId = await factory.RegisterAsync("Jane", "Doe");
        using var http = factory.Customer(accountId);

        var profile = await factory.GetAsync(http);

        Assert.Equal(("Jane", "Doe", 1),
            (profile.GetProperty("firstName").GetString(), profile.GetProperty("lastName").GetString(),
                profile.GetProperty("version").GetInt32()));
        Assert.False(profile.GetProperty("emailConfirmed").GetBoolean());
        Assert.False(profile.GetProperty("billing").GetProperty("mayPayInvoices").GetBoolean());
        Assert.Equal(["personal_data_incomplete", "country_missing", "postal_address_incomplete"],
            profile.GetProperty("billing").GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Mandatory_fields_are_named_and_any_script_is_accepted_trimmed()
    {
        var accountId = await factory.RegisterAsync();
        using var http = factory.Customer(accountId);

        var (invalid, problem) = await PutAsync(http, new
        {
            firstName = " ",
            lastName = "",
            city = "12",
            address = (string?)null,
            phone = "123",
            country = "XX",
            version = 1
        });
        var (ok, profile) = await PutAsync(http, Complete(1));

        Assert.Equal(HttpStatusCode.BadRequest, invalid);
        Assert.Equal("validation_failed", Code(problem));
        var fields = problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order().ToList();
        Assert.Equal(["address", "city", "country", "firstName", "lastName", "phone"], fields);
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal("Иван", profile.GetProperty("firstName").GetString());
        Assert.Equal("Петров-Ñúñez", profile.GetProperty("lastName").GetString());
        Assert.True(profile.GetProperty("billing").GetProperty("mayPayInvoices").GetBoolean());
        Assert.Equal(2, profile.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Two_tabs_cannot_silently_overwrite_each_other()
    {
        var accountId = await factory.RegisterAsync();
        using var http = factory.Customer(accountId);

        var (noVersion, noVersionBody) = await PutAsync(http,
            new { firstName = "A", lastName = "B", city = "Sofia", address = "x" });
        var results = await Task.WhenAll(Enumerable.Range(0, 5)
            .Select(i => PutAsync(http, Complete(1, city: $"Sofia {i}"))));
        var (stale, staleBody) = await PutAsync(http, Complete(0), ifMatch: "\"1\"");
        var (viaHeader, _) = await PutAsync(http,
            new { firstName = "Ivan", lastName = "Petrov", city = "Plovdiv", address = "x", country = "BG" },
            ifMatch: "\"2\"");

        Assert.Equal(HttpStatusCode.PreconditionRequired, noVersion);
        Assert.Equal("precondition_required", Code(noVersionBody));
        Assert.Single(results, r => r.Status == HttpStatusCode.OK);
        Assert.All(results.Where(r => r.Status != HttpStatusCode.OK), r =>
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, r.Status);
            Assert.Equal("profile_version_mismatch", Code(r.Body));
        });
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale);
        Assert.Equal(2, staleBody.GetProperty("currentVersion").GetInt32());
        Assert.Equal(HttpStatusCode.OK, viaHeader);
    }

    [Fact]
    public async Task The_customer_names_the_country_once_and_only_support_changes_it_with_a_reason()
    {
        var accountId = await factory.RegisterAsync();
        using var http = factory.Customer(accountId);
        using var staff = factory.Staff();
        await PutAsync(http, Complete(1, country: "BG"));

        var (change, changeBody) = await PutAsync(http, Complete(2, country: "DE"));
        var (same, _) = await PutAsync(http, Complete(2, country: "BG", city: "Varna"));
        using var asCustomer = await http.PutAsJsonAsync($"/api/staff/profiles/{accountId}/country",
            new { country = "DE", reason = "Moved" });
        using var noReason = await staff.PutAsJsonAsync($"/api/staff/profiles/{accountId}/country",
            new { country = "DE", reason = "" });
        using var changed = await staff.PutAsJsonAsync($"/api/staff/profiles/{accountId}/country",
            new { country = "de", reason = "Customer moved to Berlin, ticket 4711" });
        var audit = await http.GetFromJsonAsync<JsonElement>("/api/profile/audit");

        Assert.Equal(HttpStatusCode.Forbidden, change);
        Assert.Equal("country_change_requires_support", Code(changeBody));
        Assert.Equal(HttpStatusCode.OK, same);
        Assert.Equal(HttpStatusCode.Forbidden, asCustomer.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("DE", (await factory.GetAsync(http)).GetProperty("country").GetString());
        var entry = audit.GetProperty("items")
            .EnumerateArray()
            .First(e => e.GetProperty("field").GetString() == "country");
        Assert.Equal(("staff", "BG", "DE", "Customer moved to Berlin, ticket 4711"),
            (entry.GetProperty("actor").GetString(), entry.GetProperty("oldValue").GetString(),
                entry.GetProperty("newValue").GetString(), entry.GetProperty("reason").GetString()));
        Assert.Single(await factory.OutboxAsync("CountryChanged", accountId.ToString()));
    }

    [Fact]
    public async Task A_company_blocks_payment_until_support_approves_it_and_again_when_its_details_change()
    {
        var accountId = await factory.RegisterAsync();
        using var http = factory.Customer(accountId);
        using var staff = factory.Staff();
        var billing = Billing(TestTokens.Service());
        var company = new { name = "Acme OOD", registrationNumber = "BG 204 567 890", vatId = "bg204567890" };

        var (missing, missingBody) = await PutAsync(http, Complete(1, type: "company"));
        var (saved, savedBody) = await PutAsync(http, Complete(1, type: "company", company: company));
        var pending = await billing.GetBillingProfileAsync(new() { AccountId = accountId.ToString() });
        using var noDecision = await staff.PostAsJsonAsync($"/api/staff/profiles/{accountId}/company-verification",
            new { decision = "maybe", reason = "x" });
        using var approve = await staff.PostAsJsonAsync($"/api/staff/profiles/{accountId}/company-verification",
            new { decision = "approved", reason = "Registry checked" });
        var approved = await billing.GetBillingProfileAsync(new() { AccountId = accountId.ToString() });
        var (renamed, _) = await PutAsync(http,
            Complete(3, type: "company", company: company with { name = "Acme Holding OOD" }));
        var again = await billing.GetBillingProfileAsync(new() { AccountId = accountId.ToString() });
        using var reject = await staff.PostAsJsonAsync($"/api/staff/profiles/{accountId}/company-verification",
            new { decision = "rejected", reason = "No such company in the registry" });
        var rejected = await billing.GetBillingProfileAsync(new() { AccountId = accountId.ToString() });

        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.True(missingBody.GetProperty("errors").TryGetProperty("company.name", out _));
        Assert.Equal(HttpStatusCode.OK, saved);
        Assert.Equal("pending", savedBody.GetProperty("company").GetProperty("verification").GetString());
        Assert.Equal("BG204567890", savedBody.GetProperty("company").GetProperty("vatId").GetString());
        Assert.Equal((true, false, "BG", "company"),
            (pending.Found, pending.MayPayInvoices, pending.Country, pending.ProfileType));
        Assert.Equal(["company_unverified"], pending.Reasons);
        Assert.Equal(HttpStatusCode.BadRequest, noDecision.StatusCode);
        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        Assert.True(approved.MayPayInvoices);
        Assert.Empty(approved.Reasons);
        Assert.Equal(HttpStatusCode.OK, renamed);
        Assert.Equal(["company_unverified"], again.Reasons);
        Assert.Equal(HttpStatusCode.OK, reject.StatusCode);
        Assert.Equal(["company_rejected"], rejected.Reasons);
        Assert.Equal(4, (await factory.OutboxAsync("CompanyVerificationChanged", accountId.ToString())).Count);
    }

    [Fact]
    public async Task Billing_profiles_are_for_services_only()
    {
        var customer = await Assert.ThrowsAsync<RpcException>(() =>
            Billing(TestTokens.For(Guid.NewGuid(), "customer"))
                .GetBillingProfileAsync(new() { AccountId = Guid.NewGuid().ToString() }).ResponseAsync);
        var unknown = await Billing(TestTokens.Service())
            .GetBillingProfileAsync(new() { AccountId = Guid.NewGuid().ToString() });

        Assert.Equal(StatusCode.PermissionDenied, customer.StatusCode);
        Assert.False(unknown.Found);
        Assert.False(unknown.MayPayInvoices);
    }

    [Fact]
    public async Task An_email_changes_only_through_a_single_use_link_sent_to_the_new_address()
    {
        var accountId = await factory.RegisterAsync();
        using var http = factory.Customer(accountId);
        using var stranger = factory.Customer(Guid.NewGuid());
        var oldEmail = (await factory.GetAsync(http)).GetProperty("email").GetString()!;

        var (direct, directBody) = await PutAsync(http, new
        {
            firstName = "A",
            lastName = "B",
            city = "Sofia",
            address = "x",
            email = "new@example.com",
            version = 1
        });
        var (first, _) = await PostAsync(http, "/api/profile/email-change", new { newEmail = "first@example.com" });
        var (second, _) = await PostAsync(http, "/api/profile/email-change", new { newEmail = "second@example.com" });
        var tokens = (await factory.OutboxAsync("EmailChangeRequested", accountId.ToString()))
            .Select(e => e.GetProperty("confirmationToken").GetString()!)
            .ToList();
        var (older, olderBody) = await PostAsync(http, "/api/profile/email-change/confirm", new { token = tokens[0] });
        var (foreign, _) = await PostAsync(stranger, "/api/profile/email-change/confirm", new { token = tokens[1] });
        var (confirmed, profile) = await PostAsync(http, "/api/profile/email-change/confirm",
            new { token = tokens[1] });
        var (reused, reusedBody) = await PostAsync(http, "/api/profile/email-change/confirm",
            new { token = tokens[1] });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, direct);
        Assert.Equal("email_change_requires_confirmation", Code(directBody));
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first, second));
        Assert.Equal(2, tokens.Count);
        Assert.Equal(HttpStatusCode.BadRequest, older);
        Assert.Equal("email_change_token_invalid", Code(olderBody));
        Assert.Equal(HttpStatusCode.BadRequest, foreign);
        Assert.Equal(HttpStatusCode.OK, confirmed);
        Assert.Equal(("second@example.com", true),
            (profile.GetProperty("email").GetString(), profile.GetProperty("emailConfirmed").GetBoolean()));
        Assert.Equal(HttpStatusCode.Conflict, reused);
        Assert.Equal("email_change_token_used", Code(reusedBody));
        var changed = Assert.Single(await factory.OutboxAsync("EmailChanged", accountId.ToString()));
        Assert.Equal((oldEmail, "second@example.com"),
            (changed.GetProperty("oldEmail").GetString(), changed.GetProperty("newEmail").GetString()));
        // Consumers keep the newest change by this version when two arrive out of order.
        Assert.Equal(profile.GetProperty("version").GetInt32(), changed.GetProperty("profileVersion").GetInt32());
    }

    [Fact]
    public async Task An_email_change_link_expires_after_a_day()
    {
        var accountId = await factory.RegisterAsync();
        using var http = factory.Customer(accountId);
        await PostAsync(http, "/api/profile/email-change", new { newEmail = "later@example.com" });
        var token = (await factory.OutboxAsync("EmailChangeRequested", accountId.ToString()))
            .Single()
            .GetProperty("confirmationToken")
            .GetString();

        factory.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        var (expired, body) = await PostAsync(http, "/api/profile/email-change/confirm", new { token });

        Assert.Equal(HttpStatusCode.Gone, expired);
        Assert.Equal("email_change_token_expired", Code(body));
    }

    [Fact]
    public async Task A_phone_is_verified_through_the_verification_service_and_a_new_number_is_unverified_again()
    {
        var accountId = await factory.RegisterAsync();
        using var http = factory.Customer(accountId);
        var phone = NewMobile();
        var (_, saved) = await PutAsync(http, Complete(1, phone: phone));
        Assert.False(saved.GetProperty("phoneVerified").GetBoolean());

        var (started, challenge) = await PostAsync(http, "/api/profile/phone/verification", new { channel = "sms" });
        var challengeId = challenge.GetProperty("challengeId").GetGuid();
        var code = factory.Verification.Telephony.LastCode(challengeId);
        var (wrong, wrongBody) = await PostAsync(http, $"/api/profile/phone/verification/{challengeId}/confirm",
            new { code = code == "000000" ? "000001" : "000000" });
        var (confirmed, profile) = await PostAsync(
            http, $"/api/profile/phone/verification/{challengeId}/confirm", new { code });
        var (again, againBody) = await PostAsync(http, "/api/profile/phone/verification", new { channel = "call" });
        var (changed, changedProfile) = await PutAsync(http,
            Complete(profile.GetProperty("version").GetInt32(), phone: NewMobile()));

        Assert.Equal(HttpStatusCode.OK, started);
        Assert.Equal("primary", challenge.GetProperty("gateway").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, wrong);
        Assert.Equal(("invalid_code", 4), (Code(wrongBody), wrongBody.GetProperty("attemptsRemaining").GetInt32()));
        Assert.Equal(HttpStatusCode.OK, confirmed);
        Assert.True(profile.GetProperty("phoneVerified").GetBoolean());
        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Equal("phone_already_verified", Code(againBody));
        Assert.Equal(HttpStatusCode.OK, changed);
        Assert.False(changedProfile.GetProperty("phoneVerified").GetBoolean());
    }

    [Fact]
    public async Task The_other_gateway_can_be_asked_for_and_refusals_keep_their_codes()
    {
        var accountId = await factory.RegisterAsync();
        using var http = factory.Customer(accountId);
        var landline = NewLandline();
        await PutAsync(http, Complete(1, phone: landline));

        var (sms, smsBody) = await PostAsync(http, "/api/profile/phone/verification", new { channel = "sms" });
        var (call, callBody) = await PostAsync(http, "/api/profile/phone/verification", new { channel = "call" });
        var challengeId = callBody.GetProperty("challengeId").GetGuid();
        var (tooSoon, tooSoonBody) = await PostAsync(http, $"/api/profile/phone/verification/{challengeId}/resend",
            new { otherGateway = true });
        factory.Verification.Clock.Advance(TimeSpan.FromSeconds(61));
        var (other, otherBody) = await PostAsync(http, $"/api/profile/phone/verification/{challengeId}/resend",
            new { otherGateway = true });
        var spoken = factory.Verification.Telephony.For(challengeId, "call-secondary").Single();
        var (confirmed, _) = await PostAsync(http, $"/api/profile/phone/verification/{challengeId}/confirm",
            new { code = spoken.Code });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, sms);
        Assert.Equal("sms_not_supported_for_landline", Code(smsBody));
        Assert.Equal(HttpStatusCode.OK, call);
        Assert.Equal("voice_call", callBody.GetProperty("delivery").GetString());
        Assert.Equal(HttpStatusCode.TooManyRequests, tooSoon);
        Assert.Equal("resend_too_soon", Code(tooSoonBody));
        Assert.Equal(HttpStatusCode.OK, other);
        Assert.Equal("secondary", otherBody.GetProperty("gateway").GetString());
        Assert.Equal(HttpStatusCode.OK, confirmed);
    }

    [Fact]
    public async Task A_confirmation_racing_the_verification_event_succeeds_and_verifies_once()
    {
        var accountId = await factory.RegisterAsync();
        using var http = factory.Customer(accountId);
        var phone = NewMobile();
        await PutAsync(http, Complete(1, phone: phone));

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ProfileDbContext>();
            return await PhoneVerificationEndpoints.MarkVerifiedAsync(db, accountId, phone, "system", null,
                TimeProvider.System, CancellationToken.None);
        })));

        Assert.All(results, r => Assert.True(r?.PhoneVerified));
        Assert.Equal(3, (await factory.GetAsync(http)).GetProperty("version").GetInt32());
        var audit = await http.GetFromJsonAsync<JsonElement>("/api/profile/audit");
        Assert.Single(audit.GetProperty("items").EnumerateArray(),
            e => e.GetProperty("field").GetString() == "phoneVerified");
    }

    [Fact]
    public async Task A_phone_verified_directly_at_the_verification_service_reaches_the_profile_by_event()
    {
        var accountId = await factory.RegisterAsync();
        using var http = factory.Customer(accountId);
        var phone = NewMobile();
        await PutAsync(http, Complete(1, phone: phone));
        using var verification = new VerificationClient(factory.Verification.Customer(accountId));
        var challengeId = await verification.StartPhoneAsync(phone);
        await verification.ConfirmAsync(challengeId, factory.Verification.Telephony.LastCode(challengeId));

        var verified = await Eventually.TrueAsync(
            async () => (await factory.GetAsync(http)).GetProperty("phoneVerified").GetBoolean(),
            TimeSpan.FromSeconds(20));

        Assert.True(verified, "PhoneVerified did not reach the profile");
        var audit = await http.GetFromJsonAsync<JsonElement>("/api/profile/audit");
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), e =>
            e.GetProperty("field").GetString() == "phoneVerified" && e.GetProperty("actor").GetString() == "system");
    }

    [Fact]
    public async Task The_audit_lists_every_change_with_its_old_and_new_value_paged()
    {
        var accountId = await factory.RegisterAsync();
        using var http = factory.Customer(accountId);
        await PutAsync(http, Complete(1));

        var first = await http.GetFromJsonAsync<JsonElement>("/api/profile/audit?limit=3");
        var next = first.GetProperty("nextCursor").GetString();
        var rest = await http.GetFromJsonAsync<JsonElement>($"/api/profile/audit?limit=50&cursor={next}");
        using var badLimit = await http.GetAsync("/api/profile/audit?limit=0");

        var entries = first.GetProperty("items")
            .EnumerateArray()
            .Concat(rest.GetProperty("items").EnumerateArray())
            .ToList();
        Assert.Equal(3, first.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("nextCursor").ValueKind);
        var firstName = entries.Single(e => e.GetProperty("field").GetString() == "firstName");
        Assert.Equal(("customer", "Jane", "Иван"),
            (firstName.GetProperty("actor").GetString(), firstName.GetProperty("oldValue").GetString(),
                firstName.GetProperty("newValue").GetString()));
        Assert.Equal(ProfileServiceFactory.ClientAddress, firstName.GetProperty("ip").GetString());
        Assert.Contains(entries, e => e.GetProperty("field").GetString() == "postalAddress.postalCode");
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
    }

    [Fact]
    public async Task A_direct_caller_on_loopback_cannot_choose_the_address_the_audit_records()
    {
        // Profile's shipped configuration trusts no proxy, loopback included (local runs opt in).
        var accountId = await factory.RegisterAsync();
        using var http = factory.Customer(accountId);
        http.DefaultRequestHeaders.Add(ProfileServiceFactory.ClientAddressHeader, "127.0.0.1");
        http.DefaultRequestHeaders.Add("X-Forwarded-For", "10.9.9.9");
        http.DefaultRequestHeaders.Add("Forwarded", "for=10.9.9.9");
        http.DefaultRequestHeaders.Add("X-Real-IP", "10.9.9.9");
        await PutAsync(http, Complete(1));

        var audit = await http.GetFromJsonAsync<JsonElement>("/api/profile/audit?limit=50");
        Assert.NotEmpty(audit.GetProperty("items").EnumerateArray());
        Assert.All(audit.GetProperty("items").EnumerateArray(),
            e => Assert.Equal("127.0.0.1", e.GetProperty("ip").GetString()));
    }

    [Fact]
    public async Task The_country_list_is_public_and_names_every_code_a_profile_accepts()
    {
        using var anonymous = factory.Api(null);

        var countries = await anonymous.GetFromJsonAsync<JsonElement>("/api/countries");

        var list = countries.EnumerateArray()
            .Select(c => (Code: c.GetProperty("code").GetString()!, Name: c.GetProperty("name").GetString()!))
            .ToList();
        Assert.Equal(Introserv.Profile.Features.Countries.Count, list.Count);
        Assert.Contains(("BG", "Bulgaria"), list);
        Assert.Contains(("DE", "Germany"), list);
        Assert.Equal(list.Select(c => c.Name).Order(StringComparer.Ordinal), list.Select(c => c.Name));
    }
}
