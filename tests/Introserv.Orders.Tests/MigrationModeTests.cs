using Introserv.Orders.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace Introserv.Orders.Tests;

// How deployments migrate: an init container runs <service> migrate (the real binary, as here),
// and the service itself, started with Database:MigrateOnStartup=false, only waits for the schema.
public sealed class MigrationModeTests : IAsyncLifetime
{
    private readonly string _database = LocalInfra.UniqueDatabaseName("migrate");

    private string ConnectionString => LocalInfra.Current.DatabaseConnectionString(_database);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => LocalInfra.Current.DropDatabasesAsync(_database);

    [Fact]
    public async Task A_service_that_does_not_migrate_stays_unready_until_the_migrate_command_has_run()
    {
        await using var factory = new WaitingOrdersFactory(ConnectionString);
        using var client = factory.CreateClient();

        // What is asserted is that it stays unready while nothing migrates: only time can show that.
        await Task.Delay(TimeSpan.FromSeconds(2));
        using (var before = await client.GetAsync(new Uri("/health", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
        }

        var (exitCode, output) = await RunMigrateAsync(ConnectionString);

        Assert.True(exitCode == 0, output);
        Assert.Equal("Healthy", await ServiceHealth.WaitForHealthyAsync(client, TimeSpan.FromSeconds(60)));
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrdersDbContext>();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public async Task The_migrate_command_fails_with_a_non_zero_exit_code_when_the_database_cannot_be_reached()
    {
        // A port nothing listens on; the command gives up after its deadline, shortened here.
        var (exitCode, _) = await RunMigrateAsync(
            "Host=127.0.0.1;Port=1;Username=nobody;Password=x;Database=none;Timeout=1",
            ("Database__MigrateDeadline", "00:00:03"));

        Assert.NotEqual(0, exitCode);
    }

    [Fact]
    public async Task The_migrate_step_gives_the_runtime_role_rows_and_sequences_and_no_say_over_the_schema()
    {
        // Migrated as the owner (the test's role), run as a role of its own, as the CloudNativePG component does.
        var role = $"test_runtime_{Guid.NewGuid():N}"[..32];
        var password = Guid.NewGuid().ToString("N");
        await ExecuteAsync(LocalInfra.Current.DatabaseConnectionString("postgres"),
            $"CREATE ROLE {role} LOGIN PASSWORD '{password}'");
        try
        {
            var (exitCode, output) = await RunMigrateAsync(ConnectionString, ("Database__RuntimeRole", role));
            Assert.True(exitCode == 0, output);
            // Applying it again changes nothing and does not fail, also when pods starting together (a rollout, the
            // autoscaler) run the step at the same time.
            var again = await Task.WhenAll(Enumerable.Range(0, 3)
                .Select(_ => RunMigrateAsync(ConnectionString, ("Database__RuntimeRole", role))));
            Assert.All(again, run => Assert.True(run.ExitCode == 0, run.Output));
            Assert.DoesNotContain(again, run => run.Output.Contains("retrying", StringComparison.Ordinal));
            var runtime = new NpgsqlConnectionStringBuilder(ConnectionString)
            {
                Username = role, Password = password,
            }.ConnectionString;

            // The service runs as that role: it reads the migration history and becomes ready.
            await using (var factory = new WaitingOrdersFactory(runtime))
            {
                using var client = factory.CreateClient();
                Assert.Equal("Healthy", await ServiceHealth.WaitForHealthyAsync(client, TimeSpan.FromSeconds(60)));
            }

            // Rows and sequences, in the tables the migrations made ...
            await ExecuteAsync(runtime, """
                INSERT INTO address_pool ("Address") VALUES ('198.51.100.254');
                UPDATE address_pool SET "RetiredAt" = now() WHERE "Address" = '198.51.100.254';
                DELETE FROM address_pool WHERE "Address" = '198.51.100.254';
                SELECT nextval(pg_get_serial_sequence('ledger_entries', 'Id'));
                """);

            // ... but nothing that changes the schema or empties a table wholesale.
            foreach (var statement in new[]
            {
                "CREATE TABLE probe (id int)",
                "ALTER TABLE orders ADD COLUMN probe int",
                "DROP TABLE plans",
                "TRUNCATE ledger_entries",
                "CREATE INDEX ix_probe ON orders (\"Id\")",
                "CREATE FUNCTION probe() RETURNS int LANGUAGE sql AS 'SELECT 1'",
                // The migrations history is read-only to it: a row there would make the next step skip a migration.
                """INSERT INTO "__EFMigrationsHistory" VALUES ('29990101000000_Skipped', '10.0.0')""",
                """DELETE FROM "__EFMigrationsHistory" """,
                // Sequences give numbers; they cannot be set back.
                "SELECT setval(pg_get_serial_sequence('ledger_entries', 'Id'), 1)",
            })
            {
                var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(runtime, statement));
                Assert.True(refused.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{statement}: {refused}");
            }
        }
        finally
        {
            await LocalInfra.Current.DropDatabasesAsync(_database);
            await ExecuteAsync(LocalInfra.Current.DatabaseConnectionString("postgres"), $"DROP ROLE IF EXISTS {role}");
        }
    }

    [Fact]
    public async Task A_runtime_role_that_is_not_a_plain_name_fails_the_migrate_step()
    {
        // Refused at once, before migrating, and not retried: the default five-minute deadline would outlast the
        // 90 s the test waits for the process.
        var (exitCode, output) = await RunMigrateAsync(
            ConnectionString, ("Database__RuntimeRole", "app'; DROP TABLE plans; --"));

        Assert.NotEqual(0, exitCode);
        Assert.False(await DatabaseExistsAsync(_database), "the step migrated before refusing the role");
        Assert.Contains("is not a plain role name", output, StringComparison.Ordinal);
    }

    private static async Task<bool> DatabaseExistsAsync(string name)
    {
        await using var connection = new NpgsqlConnection(LocalInfra.Current.DatabaseConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = @n", connection);
        command.Parameters.AddWithValue("n", name);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    // Runs the Orders service binary with migrate, as the Kubernetes init container does.
    private static async Task<(int ExitCode, string Output)> RunMigrateAsync(
        string connectionString, params (string Key, string Value)[] extra)
    {
        (string, string)[] environment =
        [
            ($"ConnectionStrings__{ResourceNames.OrdersDb}", connectionString),
            ($"ConnectionStrings__{ResourceNames.RabbitMq}", LocalInfra.Current.RabbitMq),
            ("Auth__Issuer", "http://identity.test/"),
            ("Auth__RequireHttpsMetadata", "false"),
        ];
        return await ServiceProcess.RunAsync(
            "Introserv.Orders.dll", ["migrate"], [.. environment, .. extra], TimeSpan.FromSeconds(90));
    }

    private sealed class WaitingOrdersFactory(string connectionString) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting($"ConnectionStrings:{ResourceNames.OrdersDb}", connectionString);
            builder.UseSetting($"ConnectionStrings:{ResourceNames.RabbitMq}", LocalInfra.Current.RabbitMq);
            builder.UseSetting("Auth:Issuer", "http://identity.test/");
            builder.UseSetting("Auth:RequireHttpsMetadata", "false");
            builder.UseSetting("Database:MigrateOnStartup", "false");
        }
    }
}
