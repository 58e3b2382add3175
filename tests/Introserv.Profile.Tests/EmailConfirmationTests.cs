using Grpc.Core;
using Grpc.Net.Client;
using Introserv.Profile.Grpc;
using static Introserv.Testing.JsonApi;
namespace Introserv.Profile.Tests;

// The sign-up address is confirmed through a single-use link; resending is throttled and voids older links.
public sealed class EmailConfirmationTests(ProfileServiceFactory factory)
    : IClassFixture<ProfileServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Sign_up_sends_a_link_that_confirms_the_address_once()
    {
        var accountId = await factory.RegisterAsync();
        using var http = factory.Customer(accountId);
        using var stranger = factory.Customer(Guid.NewGuid());
        var before = await factory.GetAsync(http);
        var requested = Assert.Single(await factory.OutboxAsync("EmailConfirmationRequested", accountId.ToString()));
        var token = requested.GetProperty("confirmationToken").GetString();

        var (foreign, _) = await PostAsync(stranger, "/api/profile/email-change/confirm", new { token });
        var (confirmed, profile) = await PostAsync(http, "/api/profile/email-change/confirm", new { token });
        var (reused, reusedBody) = await PostAsync(http, "/api/profile/email-change/confirm", new { token });
        var (resend, resendBody) = await PostAsync(http, "/api/profile/email-confirmation", new { });

        Assert.False(before.GetProperty("emailConfirmed").GetBoolean());
        Assert.Equal(before.GetProperty("email").GetString(), requested.GetProperty("email").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, foreign);
        Assert.Equal(HttpStatusCode.OK, confirmed);
        Assert.Equal((before.GetProperty("email").GetString(), true),
            (profile.GetProperty("email").GetString(), profile.GetProperty("emailConfirmed").GetBoolean()));
        Assert.Equal((HttpStatusCode.Conflict, "email_change_token_used"),
            (reused, reusedBody.GetProperty("code").GetString()));
        Assert.Equal((HttpStatusCode.Conflict, "email_already_confirmed"),
            (resend, resendBody.GetProperty("code").GetString()));
        var event_ = Assert.Single(await factory.OutboxAsync("EmailConfirmed", accountId.ToString()));
        Assert.Equal(profile.GetProperty("version").GetInt32(), event_.GetProperty("profileVersion").GetInt32());
        // nothing moved, no "address changed" notice
        Assert.Empty(await factory.OutboxAsync("EmailChanged", accountId.ToString()));
    }

    [Fact]
    public async Task A_resent_link_voids_the_older_one_and_resending_is_limited()
    {
        var accountId = await factory.RegisterAsync();
        using var http = factory.Customer(accountId);

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add((await PostAsync(http, "/api/profile/email-confirmation", new { })).Status);
        }

        var tokens = (await factory.OutboxAsync("EmailConfirmationRequested", accountId.ToString()))
            .Select(e => e.GetProperty("confirmationToken").GetString()).ToList();
        var (older, olderBody) = await PostAsync(http, "/api/profile/email-change/confirm", new { token = tokens[0] });
        var (newest, _) = await PostAsync(http, "/api/profile/email-change/confirm", new { token = tokens[^1] });

        // Sign-up sent the first link: four more fit in the hour, the fifth request is refused.
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Accepted, 4), HttpStatusCode.TooManyRequests], answers);
        Assert.Equal(5, tokens.Count);
        Assert.Equal((HttpStatusCode.BadRequest, "email_change_token_invalid"),
            (older, olderBody.GetProperty("code").GetString()));
        Assert.Equal(HttpStatusCode.OK, newest);
    }

    // Identity's confirmation page confirms through gRPC with a service token: the same rules as the API (the account
    // it names, once), and no customer token may call it.
    [Fact]
    public async Task The_confirmation_page_confirms_for_the_account_it_names_once_and_only_services_may_ask()
    {
        var accountId = await factory.RegisterAsync();
        var token = Assert.Single(await factory.OutboxAsync("EmailConfirmationRequested", accountId.ToString()))
            .GetProperty("confirmationToken").GetString()!;
        var service = Client(TestTokens.Service());

        var customer = await Assert.ThrowsAsync<RpcException>(() => Client(TestTokens.For(accountId, "customer"))
            .ConfirmAsync(new() { AccountId = accountId.ToString(), Token = token }).ResponseAsync);
        var badId = await Assert.ThrowsAsync<RpcException>(() =>
            service.ConfirmAsync(new() { AccountId = "not-a-guid", Token = token }).ResponseAsync);
        var stranger = await service.ConfirmAsync(new() { AccountId = Guid.NewGuid().ToString(), Token = token });
        var confirmed = await service.ConfirmAsync(
            new() { AccountId = accountId.ToString(), Token = token, ClientAddress = "192.0.2.44" });
        var again = await service.ConfirmAsync(new() { AccountId = accountId.ToString(), Token = token });
        using var http = factory.Customer(accountId);
        var profile = await factory.GetAsync(http);

        Assert.Equal(StatusCode.PermissionDenied, customer.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, badId.StatusCode);
        Assert.Equal("email_change_token_invalid", stranger.Outcome);
        Assert.Equal(("confirmed", profile.GetProperty("email").GetString()), (confirmed.Outcome, confirmed.Email));
        Assert.Equal("email_change_token_used", again.Outcome);
        Assert.True(profile.GetProperty("emailConfirmed").GetBoolean());
    }

    private EmailConfirmations.EmailConfirmationsClient Client(string token) =>
        new(GrpcChannel.ForAddress(factory.Server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = factory.Server.CreateHandler(),
            Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure,
                CallCredentials.FromInterceptor((_, metadata) =>
                {
                    metadata.Add("Authorization", $"Bearer {token}");
                    return Task.CompletedTask;
                })),
            UnsafeUseInsecureChannelCallCredentials = true,
        }));
}
