using System.Threading.Channels;
using Introserv.Identity.Features.SignIn;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace Introserv.Identity.Tests;

// Identity remembering allow-lists and sessions for ten minutes: a change made by another replica can hold here within
// a test's patience only through the notice that replica sends.
public sealed class LongMemoryIdentityFactory : IdentityServiceFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Identity:EntryCacheLifetime", "00:10:00");
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Services.GetRequiredService<EntryChangeListener>().Listening.WaitAsync(TimeSpan.FromSeconds(30));
    }
}

// A replica that changes an allow-list or revokes sessions tells the others through PostgreSQL (NOTIFY in the change's
// transaction), and each replica forgets what it remembered as the notice arrives, instead of after
// Identity:EntryCacheLifetime. "Another replica" here is what one does to the shared database: the change and its
// notice in one transaction.
public sealed class EntryNoticeTests(LongMemoryIdentityFactory factory)
    : IClassFixture<LongMemoryIdentityFactory>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(Guid Id, HttpClient Api, string Session)> SignedInAsync()
    {
        var (id, login, password) = await factory.RegisterAsync();
        var tokens = await factory.NewBrowser().SignInAsync(login, password);
        var session = OidcBrowser.ReadJwtPayload(tokens.AccessToken).GetProperty("sid").GetString()!;
        return (id, factory.Api(tokens.AccessToken), session);
    }

    private static async Task<HttpStatusCode> MeAsync(HttpClient api)
    {
        using var response = await api.GetAsync("/api/account/me");
        return response.StatusCode;
    }

    // As another replica would: the statement and, when given, the notice, committed together.
    private async Task ElsewhereAsync(string statement, Guid parameter, string? notice)
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var change = new NpgsqlCommand(statement, connection, transaction))
        {
            change.Parameters.AddWithValue("id", parameter);
            Assert.Equal(1, await change.ExecuteNonQueryAsync());
        }

        if (notice is not null)
        {
            await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @notice)", connection, transaction);
            notify.Parameters.AddWithValue("channel", EntryChangeNotices.Channel);
            notify.Parameters.AddWithValue("notice", notice);
            await notify.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    private const string SetList = "UPDATE \"AspNetUsers\" SET \"IpAllowList\" = '{10.0.0.1}' WHERE \"Id\" = @id";
    private const string ClearList = "UPDATE \"AspNetUsers\" SET \"IpAllowList\" = '{}' WHERE \"Id\" = @id";

    [Fact]
    public async Task An_allow_list_changed_by_another_replica_holds_here_when_its_notice_arrives()
    {
        var (id, api, _) = await SignedInAsync();
        using var disposeApi = api;
        Assert.Equal(HttpStatusCode.OK, await MeAsync(api));

        // Without a notice this replica keeps the list it read for its whole memory (ten minutes here).
        await ElsewhereAsync(SetList, id, notice: null);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, await MeAsync(api));

        await ElsewhereAsync(ClearList, id, notice: null);
        await ElsewhereAsync(SetList, id, EntryChangeNotices.AllowList(id));
        Assert.True(await Eventually.TrueAsync(async () => await MeAsync(api) == HttpStatusCode.Forbidden, Patience));

        await ElsewhereAsync(ClearList, id, EntryChangeNotices.AllowList(id));
        Assert.True(await Eventually.TrueAsync(async () => await MeAsync(api) == HttpStatusCode.OK, Patience));
    }

    [Fact]
    public async Task A_session_revoked_by_another_replica_is_refused_here_when_its_notice_arrives()
    {
        var (_, api, session) = await SignedInAsync();
        using var disposeApi = api;
        Assert.Equal(HttpStatusCode.OK, await MeAsync(api));
        const string revoke = "UPDATE \"OpenIddictAuthorizations\" SET \"Status\" = 'revoked' WHERE \"Id\" = @id";

        await ElsewhereAsync(revoke, Guid.Parse(session), EntryChangeNotices.Sessions);

        Assert.True(await Eventually.TrueAsync(
            async () => await MeAsync(api) == HttpStatusCode.Unauthorized, Patience));
    }

    [Fact]
    public async Task Changes_made_here_send_the_notices_the_other_replicas_listen_for()
    {
        var (id, api, _) = await SignedInAsync();
        using var disposeApi = api;
        var (_, otherApi, otherSession) = await SignedInOnSameAccountAsync(api);
        using var disposeOther = otherApi;
        await using var listener = await NoticeListener.StartAsync(factory.ConnectionString);

        using (var set = await api.PutAsJsonAsync("/api/account/ip-allow-list",
            new { entries = new[] { "192.0.2.0/24" } }))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        Assert.Equal(EntryChangeNotices.AllowList(id), await listener.NextAsync());

        // A change refused as invalid sends nothing; the revocation of a session sends its notice.
        using (var refused = await api.PutAsJsonAsync("/api/account/ip-allow-list",
            new { entries = new[] { "not an address" } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        using (var revoked = await api.DeleteAsync($"/api/account/sessions/{otherSession}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        Assert.Equal(EntryChangeNotices.Sessions, await listener.NextAsync());
    }

    [Fact]
    public async Task A_replica_whose_listening_connection_broke_listens_again_and_forgets_what_it_missed()
    {
        var (id, api, _) = await SignedInAsync();
        using var disposeApi = api;
        Assert.Equal(HttpStatusCode.OK, await MeAsync(api));

        // The listening connection is killed; the list changes while nothing listens (no notice reaches this replica).
        await using (var admin = new NpgsqlConnection(factory.ConnectionString))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity " +
                "WHERE application_name = 'introserv-identity-entry-notices' AND datname = current_database()", admin);
            Assert.Equal(1L, await kill.ExecuteScalarAsync());
        }

        await ElsewhereAsync(SetList, id, notice: null);

        // Listening again, the replica forgets everything it remembered: the change holds without its notice.
        Assert.True(await Eventually.TrueAsync(async () => await MeAsync(api) == HttpStatusCode.Forbidden, Patience));
    }

    // A second session of the account that api signed in to (its own access token and session id).
    private async Task<(Guid Id, HttpClient Api, string Session)> SignedInOnSameAccountAsync(HttpClient api)
    {
        var me = await api.GetFromJsonAsync<JsonElement>("/api/account/me");
        var security = await api.GetFromJsonAsync<JsonElement>("/api/account/security");
        var login = security.GetProperty("login").GetString()!;
        var tokens = await factory.NewBrowser("192.0.2.45").SignInAsync(login, "violet canyon 42 lamps");
        var session = OidcBrowser.ReadJwtPayload(tokens.AccessToken).GetProperty("sid").GetString()!;
        return (me.GetProperty("accountId").GetGuid(), factory.Api(tokens.AccessToken), session);
    }

    // LISTENs on the notice channel, as another replica does.
    private sealed class NoticeListener : IAsyncDisposable
    {
        private readonly NpgsqlConnection _connection;
        private readonly Channel<string> _notices = Channel.CreateUnbounded<string>();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        private NoticeListener(NpgsqlConnection connection)
        {
            _connection = connection;
            _connection.Notification += (_, e) => _notices.Writer.TryWrite(e.Payload);
            _loop = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        await _connection.WaitAsync(_stop.Token);
                    }
                }
                catch (OperationCanceledException)
                {
                    // Stopped.
                }
            });
        }

        public static async Task<NoticeListener> StartAsync(string connectionString)
        {
            var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using (var listen = new NpgsqlCommand($"LISTEN {EntryChangeNotices.Channel}", connection))
            {
                await listen.ExecuteNonQueryAsync();
            }

            return new NoticeListener(connection);
        }

        public async Task<string> NextAsync()
        {
            using var patience = new CancellationTokenSource(Patience);
            return await _notices.Reader.ReadAsync(patience.Token);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            await _connection.DisposeAsync();
            _stop.Dispose();
        }
    }
}
