using System.Diagnostics;
using Npgsql;

namespace Introserv.Testing;

// The locally started PostgreSQL, Redis and RabbitMQ (deploy/local/infra.sh), as the tests see them.
// Tests run against these real servers; each test run uses databases of its own and drops them.
public sealed class LocalInfra
{
    private static readonly Lazy<LocalInfra> Instance = new(Load);

    private LocalInfra(string postgres, string redis, string rabbitMq)
    {
        Postgres = postgres;
        Redis = redis;
        RabbitMq = rabbitMq;
    }

    public static LocalInfra Current => Instance.Value;

    // Server connection string without a database.
    public string Postgres { get; }

    public string Redis { get; }

    public string RabbitMq { get; }

    // The broker's virtual host name (deploy/local/infra.sh creates the test ones): a test host
    // there sees only the events it publishes itself, none of those other test hosts' reactions publish.
    public string RabbitMqVirtualHost(string name) =>
        new UriBuilder(RabbitMq) { Path = "/" + Uri.EscapeDataString(name) }.Uri.ToString();

    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Introserv.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName
                ?? throw new InvalidOperationException("Introserv.sln not found above the test binaries.");
        }
    }

    public string DatabaseConnectionString(string database) => $"{Postgres};Database={database}";

    // A database name unique to this run, so runs never see each other's data.
    public static string UniqueDatabaseName(string purpose) =>
        $"introserv_test_{purpose}_{Guid.NewGuid():N}"[..48];

    public async Task DropDatabasesAsync(string namePrefix)
    {
        await using var connection = new NpgsqlConnection($"{Postgres};Database=postgres");
        await connection.OpenAsync();
        var names = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname LIKE @p", connection))
        {
            list.Parameters.AddWithValue("p", namePrefix.Replace("_", "\\_", StringComparison.Ordinal) + "%");
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                names.Add(reader.GetString(0));
            }
        }

        foreach (var name in names)
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            // A worker the role may not stop (an autovacuum run, where pg_signal_backend was not granted) ends soon.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await drop.ExecuteNonQueryAsync();
                    break;
                }
                catch (PostgresException ex)
                    when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege && attempt < 10)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
                }
            }
        }
    }

    private static LocalInfra Load()
    {
        var script = Path.Combine(RepositoryRoot, "deploy", "local", "infra.sh");
        // Idempotent: returns at once when the servers already run.
        using (var start = Process.Start(new ProcessStartInfo("bash", [script, "start"]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run infra.sh"))
        {
            start.WaitForExit();
            if (start.ExitCode != 0)
            {
                throw new InvalidOperationException($"'{script} start' failed with exit code {start.ExitCode}.");
            }
        }

        using var settingsProcess = Process.Start(new ProcessStartInfo("bash", [script, "settings"])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        }) ?? throw new InvalidOperationException("could not run infra.sh");
        var settingsPath = settingsProcess.StandardOutput.ReadToEnd().Trim();
        settingsProcess.WaitForExit();

        using var document = JsonDocument.Parse(File.ReadAllText(settingsPath));
        var local = document.RootElement.GetProperty("Infra").GetProperty("Local");
        return new LocalInfra(
            local.GetProperty(nameof(Postgres)).GetString()!,
            local.GetProperty(nameof(Redis)).GetString()!,
            local.GetProperty(nameof(RabbitMq)).GetString()!);
    }
}
