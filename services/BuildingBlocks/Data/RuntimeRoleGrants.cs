using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;

namespace Introserv.BuildingBlocks.Data;

// Least privilege for a running service: the migrate step connects as the role that owns the schema and, when
// Database:RuntimeRole names another role, gives that role what a service needs and nothing more: to connect, to
// read and write rows (SELECT, INSERT, UPDATE, DELETE) and to draw from sequences in every schema the owner can
// create in, now and for the objects later migrations create. The runtime role cannot create, alter, drop or truncate
// anything, so a compromised or buggy service cannot change the schema. Idempotent (GRANT is), run on every migrate.
public static partial class RuntimeRoleGrants
{
    // Configuration key: the role the service runs as, when it differs from the role that migrates.
    public const string RuntimeRoleKey = "Database:RuntimeRole";

    // The role names PostgreSQL accepts unquoted (and CloudNativePG's managed roles use): letters, digits, underscore.
    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex RoleName();

    public static async Task ApplyAsync(DbContext db, string role, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!RoleName().IsMatch(role))
        {
            throw new InvalidOperationException(
                $"{RuntimeRoleKey} '{role}' is not a plain role name (lower-case letters, digits and underscores)");
        }

        // A DO block takes no parameters: the name, checked above to hold only letters, digits and underscores, is a
        // literal here, and format('%I') quotes it into each statement.
#pragma warning disable EF1002 // The only value in the text is the role name matched by RoleName.
        await db.Database.ExecuteSqlRawAsync($$"""
            DO $grants$
            DECLARE
                runtime text := '{{role}}';
                schema_name text;
            BEGIN
                IF runtime = current_user THEN
                    RETURN;
                END IF;
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
                    EXECUTE format(
                        'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO %I', schema_name, runtime);
                    EXECUTE format(
                        'ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I',
                        schema_name, runtime);
                    EXECUTE format(
                        'ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %I',
                        schema_name, runtime);
                END LOOP;
            END
            $grants$
            """, cancellationToken);
#pragma warning restore EF1002
    }
}
