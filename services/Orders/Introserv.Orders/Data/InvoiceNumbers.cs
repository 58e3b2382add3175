using System.Globalization;

namespace Introserv.Orders.Data;

// The last invoice number given in a year (UTC). Only the invoices_number trigger writes it.
public sealed class InvoiceNumberCounter
{
    public int Year { get; set; }

    public long Last { get; set; }
}

// Invoice numbers: one sequence per calendar year (UTC), without gaps. A trigger gives each new invoice the next number
// of its year from invoice_number_counters, in the transaction that writes the invoice: the counter's row stays locked
// until that transaction ends, so a rolled-back invoice gives its number back and two invoices never share one. A
// PostgreSQL sequence would be faster but leaves a gap for every rolled-back transaction, which an invoice series
// may not have.
public static class InvoiceNumbers
{
    // "2026-000042": the year, a dash and the number in the year, at least six digits (more past 999,999). The
    // trigger writes the same.
    public static string Format(int year, long number) =>
        string.Create(CultureInfo.InvariantCulture, $"{year}-{number:D6}");

    public const string CreateTrigger = """
        CREATE OR REPLACE FUNCTION invoices_assign_number() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            issued_year integer := EXTRACT(YEAR FROM NEW."IssuedAt" AT TIME ZONE 'UTC')::integer;
            next_number bigint;
        BEGIN
            IF NEW."Number" IS NOT NULL THEN
                RETURN NEW;
            END IF;
            INSERT INTO invoice_number_counters ("Year", "Last") VALUES (issued_year, 1)
            ON CONFLICT ("Year") DO UPDATE SET "Last" = invoice_number_counters."Last" + 1
            RETURNING "Last" INTO next_number;
            NEW."Number" := issued_year::text || '-' || lpad(next_number::text, 6, '0');
            RETURN NEW;
        END $$;

        CREATE TRIGGER invoices_number BEFORE INSERT ON invoices
            FOR EACH ROW EXECUTE FUNCTION invoices_assign_number();
        """;

    // The trigger's function as CreateTrigger first wrote it padded the number to six characters with lpad, which also
    // cuts longer text: the millionth invoice of a year would have been numbered like the 100,000th and refused by the
    // unique index. Now it pads to at least six digits, as Format does.
    public const string AssignNumberPastAMillion = """
        CREATE OR REPLACE FUNCTION invoices_assign_number() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            issued_year integer := EXTRACT(YEAR FROM NEW."IssuedAt" AT TIME ZONE 'UTC')::integer;
            next_number bigint;
        BEGIN
            IF NEW."Number" IS NOT NULL THEN
                RETURN NEW;
            END IF;
            INSERT INTO invoice_number_counters ("Year", "Last") VALUES (issued_year, 1)
            ON CONFLICT ("Year") DO UPDATE SET "Last" = invoice_number_counters."Last" + 1
            RETURNING "Last" INTO next_number;
            NEW."Number" := issued_year::text || '-'
                || lpad(next_number::text, greatest(6, length(next_number::text)), '0');
            RETURN NEW;
        END $$;
        """;

    // The invoices written before numbers existed, numbered in the order they were issued, and the counters after them.
    public const string NumberExisting = """
        WITH numbered AS (
            SELECT "Id", EXTRACT(YEAR FROM "IssuedAt" AT TIME ZONE 'UTC')::integer AS issued_year,
                   row_number() OVER (PARTITION BY EXTRACT(YEAR FROM "IssuedAt" AT TIME ZONE 'UTC')
                                      ORDER BY "IssuedAt", "Id") AS n
            FROM invoices)
        UPDATE invoices SET "Number" = numbered.issued_year::text || '-' || lpad(numbered.n::text, 6, '0')
        FROM numbered WHERE invoices."Id" = numbered."Id";

        INSERT INTO invoice_number_counters ("Year", "Last")
        SELECT split_part("Number", '-', 1)::integer, max(split_part("Number", '-', 2)::bigint)
        FROM invoices GROUP BY 1;
        """;

    public const string DropTrigger = """
        DROP TRIGGER IF EXISTS invoices_number ON invoices;
        DROP FUNCTION IF EXISTS invoices_assign_number();
        """;
}
