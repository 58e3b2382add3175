using System.Buffers.Binary;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.Identity.Data;

namespace Introserv.Identity.Tests;

public sealed class RegistrationTests(IdentityServiceFactory factory)
    : IClassFixture<IdentityServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static object Request(string login, string email, string password = "violet canyon 42 lamps") =>
        new { login, password, email, firstName = "Jane", lastName = "Doe" };

    private static string NewLogin() => $"jane.{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task Registering_creates_the_account_and_announces_it_in_the_same_transaction()
    {
        using var client = factory.CreateClient();
        var login = NewLogin();

        var response = await client.PostAsJsonAsync("/api/accounts",
            Request(login.ToUpperInvariant(), $"{login}@example.com"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(login, body.GetProperty("login").GetString()); // stored lower case
        var accountId = body.GetProperty("accountId").GetGuid();

        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>();
        var account = await db.Users.SingleAsync(a => a.Id == accountId);
        Assert.Equal("Jane", account.FirstName);
        var outbox = await db.Set<OutboxMessage>()
            .Where(m => m.MessageType.StartsWith(typeof(AccountRegistered).FullName!))
            .ToListAsync();
        var registered = outbox
            .Select(m => JsonSerializer.Deserialize<AccountRegistered>(m.Payload, JsonSerializerOptions.Web)!)
            .Single(e => e.AccountId == accountId);
        Assert.Equal(login, registered.Login);
        Assert.Equal($"{login}@example.com", registered.Email);
    }

    [Fact]
    public async Task Password_is_hashed_with_PBKDF2_HMAC_SHA512_and_210000_iterations()
    {
        using var client = factory.CreateClient();
        var login = NewLogin();
        var response = await client.PostAsJsonAsync("/api/accounts", Request(login, $"{login}@example.com"));
        var accountId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accountId").GetGuid();

        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>();
        var hash = Convert.FromBase64String((await db.Users.SingleAsync(a => a.Id == accountId)).PasswordHash!);

        // ASP.NET Core Identity V3 format: 0x01, PRF (2 = HMAC-SHA512), iteration count, salt length, salt, subkey.
        Assert.Equal(0x01, hash[0]);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(1)));
        Assert.Equal(210_000u, BinaryPrimitives.ReadUInt32BigEndian(hash.AsSpan(5)));
        Assert.DoesNotContain("violet", System.Text.Encoding.UTF8.GetString(hash), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_login_that_differs_only_in_case_is_taken()
    {
        using var client = factory.CreateClient();
        var login = NewLogin();
        await client.PostAsJsonAsync("/api/accounts", Request(login, $"{login}@example.com"));

        var response = await client.PostAsJsonAsync("/api/accounts",
            Request(login.ToUpperInvariant(), $"other-{login}@example.com"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("login_taken", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Concurrent_registrations_of_one_login_create_exactly_one_account()
    {
        var login = NewLogin();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            using var client = factory.CreateClient();
            return await client.PostAsJsonAsync("/api/accounts", Request(login, $"{login}.{i}@example.com"));
        }));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created),
            r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>();
        Assert.Equal(1, await db.Users.CountAsync(a => a.UserName == login));
    }

    [Fact]
    public async Task Invalid_input_is_refused_with_every_field_named_and_nothing_stored()
    {
        using var client = factory.CreateClient();

        var response = await client.PostAsJsonAsync("/api/accounts",
            new { login = "x", password = "password", email = "nope" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        var fields = problem.GetProperty("errors")
            .EnumerateObject()
            .Select(p => p.Name)
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(["email", "firstName", "lastName", "login", "password"], fields);
        await using var scope = factory.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider
            .GetRequiredService<IdentityServiceDbContext>().Users
            .AnyAsync(a => a.UserName == "x"));
    }

    [Theory]
    [InlineData("support")]
    [InlineData("Admin1")]
    [InlineData("support.team")]
    [InlineData("introserv-billing")]
    public async Task A_reserved_login_cannot_be_registered(string login)
    {
        using var client = factory.CreateClient();

        var response = await client.PostAsJsonAsync("/api/accounts", Request(login, $"{Guid.NewGuid():N}@example.com"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.Equal(["login"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Contains("reserved", problem.GetProperty("errors").GetProperty("login")[0].GetString(),
            StringComparison.Ordinal);
        var stored = login.ToLowerInvariant();
        await using var scope = factory.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider
            .GetRequiredService<IdentityServiceDbContext>().Users
            .AnyAsync(a => a.UserName == stored));
    }

    [Fact]
    public async Task A_common_password_is_refused()
    {
        using var client = factory.CreateClient();
        var login = NewLogin();

        var response = await client.PostAsJsonAsync("/api/accounts",
            Request(login, $"{login}@example.com", password: "iloveyou2"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("password", out _));
    }

    [Fact]
    public async Task Malformed_json_is_a_bad_request_problem_not_a_server_error()
    {
        using var client = factory.CreateClient();

        using var content = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");
        var response = await client.PostAsync("/api/accounts", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
