using Introserv.Identity.Contracts;

namespace Introserv.Notifications.Tests;

// Where invoices, support answers and complaints go is a sensitive change: for an account that confirms sensitive
// operations by call it needs a step-up token for change_notification_addresses (Identity's answer scripted here; the
// whole chain is tested through the gateway). Other settings need none. The customer is told when the setting changes.
public sealed class CallConfirmationSettingsTests(NotificationsServiceFactory factory)
    : IClassFixture<NotificationsServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync()
    {
        factory.Confirmation.Down = false;
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_change_of_address_needs_a_token_and_other_settings_do_not()
    {
        var (accountId, email) = await RegisterAsync();
        factory.Confirmation.ConfirmByCall(accountId);
        using var http = factory.Customer(accountId);

        var (refused, problem) = await PutAsync(http, new { support = "help@example.com", version = 1 }, null);
        var (news, _) = await PutAsync(http, new { newsSubscription = true, version = 1 }, null);
        var (sameAddress, _) = await PutAsync(
            http, new { invoicesOrders = email.ToUpperInvariant(), version = 2 }, null);
        var token = factory.Confirmation.IssueToken(accountId, "change_notification_addresses");
        var (changed, settings) = await PutAsync(http, new { support = "help@example.com", version = 3 }, token);
        var (reused, reusedProblem) = await PutAsync(
            http, new { complaints = "complaints@example.com", version = 4 }, token);

        Assert.Equal(
            (HttpStatusCode.Forbidden, "step_up_required"), (refused, problem.GetProperty("code").GetString()));
        Assert.Equal("change_notification_addresses", problem.GetProperty("operation").GetString());
        Assert.Equal(HttpStatusCode.OK, news);
        Assert.Equal(HttpStatusCode.OK, sameAddress);
        Assert.Equal(HttpStatusCode.OK, changed);
        Assert.Equal("help@example.com", settings.GetProperty("emails").GetProperty("support").GetString());
        Assert.Equal((HttpStatusCode.Forbidden, "unknown_or_used"),
            (reused, reusedProblem.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task While_identity_cannot_be_asked_a_change_of_address_answers_503_and_changes_nothing()
    {
        var (accountId, email) = await RegisterAsync();
        using var http = factory.Customer(accountId);

        factory.Confirmation.Down = true;
        var (down, problem) = await PutAsync(http, new { support = "help@example.com", version = 1 }, null);
        factory.Confirmation.Down = false;
        var current = await http.GetFromJsonAsync<JsonElement>("/api/notifications/settings");

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "confirmation_unavailable"),
            (down, problem.GetProperty("code").GetString()));
        Assert.Equal(email, current.GetProperty("emails").GetProperty("support").GetString());
        Assert.Equal(1, current.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task The_customer_is_told_when_confirmation_by_call_is_turned_on_and_when_support_turns_it_off()
    {
        var (accountId, email) = await RegisterAsync();

        await factory.PublishAsync(new CallConfirmationChanged(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, true, "203.0.113.9"));

        var mail = (await factory.MailsToAsync(email, count: 2))[1];
        await factory.PublishAsync(new CallConfirmationChanged(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, false, null, "The customer's phone was stolen."));
        var bySupport = (await factory.MailsToAsync(email, count: 3))[2];

        Assert.Equal("Confirmation by call turned on", mail.Subject);
        Assert.Contains("203.0.113.9", mail.Text, StringComparison.Ordinal);
        Assert.Equal("Confirmation by call turned off", bySupport.Subject);
        Assert.Contains("support stopped", bySupport.Text, StringComparison.Ordinal);
        Assert.Contains("phone was stolen", bySupport.Text, StringComparison.Ordinal);
    }

    private async Task<(Guid AccountId, string Email)> RegisterAsync()
    {
        var accountId = Guid.NewGuid();
        var email = $"c{accountId:N}@example.com";
        await factory.PublishAsync(new AccountRegistered(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, $"c{accountId:N}"[..20], email, "Ana", "Lee"));
        await factory.MailsToAsync(email);
        return (accountId, email);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PutAsync(
        HttpClient http, object body, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/notifications/settings")
        {
            Content = JsonContent.Create(body),
        };
        if (token is not null)
        {
            request.Headers.Add("Step-Up-Token", token);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
