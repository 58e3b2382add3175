using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Introserv.BuildingBlocks.Data;

// Least privilege for a running service: the migrate step connects as the role that owns the schema and, when
// Database:RuntimeRole names another role, gives that role what a service needs and nothing more: to connect, to
// read and write rows (SELECT, INSERT, UPDATE, DELETE) and to draw from sequences (USAGE, SELECT: nextval, not
// setval) in every schema the owner can create in, now and for the objects later migrations create; the migrations
// history only to read (a service checks that no migration is pending; rows written there would make the next
// migrate step skip or repeat one). The runtime role cannot create, alter, drop or truncate anything, so a
// compromised or buggy service cannot change the schema. Idempotent (GRANT is), run on every migrate; pods starting
// together take turns (a transaction-scoped advisory lock), as concurrent GRANTs on one object can fail.
public static partial class RuntimeRoleGrants
{
    // Configuration key: the role the service runs as, when it differs from the role that migrates.
    public const string RuntimeRoleKey = "Database:RuntimeRole";

    // The role names PostgreSQL accepts unquoted (and CloudNativePG's managed roles use): letters, digits, underscore.
    [GeneratedRegex(@"\A[a-z_][a-z0-9_]{0,62}\z")]
    private static partial Regex RoleName();

    // Refuses a name that is not a plain role name, before anything is migrated.
    public static void ThrowIfInvalid(string role)
    {
        if (!RoleName().IsMatch(role))
        {
            throw new InvalidRuntimeRoleException(
                $"{RuntimeRoleKey} '{role}' is not a plain role name (lower-case letters, digits and underscores)");
        }
    }

    public static async Task ApplyAsync(DbContext db, string role, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ThrowIfInvalid(role);
        var relational = RelationalOptionsExtension.Extract(db.GetService<IDbContextOptions>());
        var history = Literal(relational.MigrationsHistoryTableName ?? HistoryRepository.DefaultTableName);
        var historySchema = relational.MigrationsHistoryTableSchema is { } schema
            ? Literal(schema)
            : "current_schema()";

        // A DO block takes no parameters: the role's name, checked above to hold only letters, digits and
        // underscores, and the history table's (from the model, quotes doubled) are literals here, and format('%I')
        // quotes them into each statement.
#pragma warning disable EF1002 // The values in the text are the role name matched by RoleName and model names.
        await db.Database.ExecuteSqlRawAsync($$"""
            DO $grants$
            DECLARE
                runtime text := '{{role}}';
                history regclass := to_regclass(format('%I.%I', {{historySchema}}, {{history}}));
                schema_name text;
            BEGIN
                IF runtime = current_user THEN
                    RETURN;
                END IF;
                PERFORM pg_advisory_xact_lock(hashtext('introserv:runtime-role-grants'));
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = runtime) THEN
                    RAISE EXCEPTION 'the runtime role % does not exist', runtime;
                END IF;
                EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), runtime);
                FOR schema_name IN
                    SELECT nspname FROM pg_namespace
                    WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'
                      AND has_schema_privilege(nspname, 'CREATE')
                LOOP
                    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', schema_name, runtime);
                    EXECUTE format(
                        'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', schema_name, runtime);
                    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', schema_name, runtime);
                    EXECUTE format(
                        'ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I',
                        schema_name, runtime);
                    EXECUTE format(
                        'ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO %I',
                        schema_name, runtime);
                END LOOP;
                IF history IS NOT NULL THEN
                    EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON %s FROM %I', history, runtime);
                END IF;
            END
            $grants$
            """, cancellationToken);
#pragma warning restore EF1002
    }

    // A SQL string literal of a name from the model (the history table's), quotes doubled.
    private static string Literal(string value) => $"'{value.Replace("'", "''", StringComparison.Ordinal)}'";
}

// A Database:RuntimeRole that cannot be a role's name: a setting to fix, not a failure to retry.
public sealed class InvalidRuntimeRoleException(string message) : InvalidOperationException(message);
