using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Introserv.Orders.Data.Migrations
{
    /// <inheritdoc />
    public partial class NumbersAndInvoiceSeries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Existing orders are numbered by the identity column as it is added.
            migrationBuilder.AddColumn<long>(
                name: "Number",
                table: "orders",
                type: "bigint",
                nullable: false)
                .Annotation("Npgsql:IdentitySequenceOptions", "'100001', '1', '', '', 'False', '1'")
                .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn);

            migrationBuilder.CreateTable(
                name: "invoice_number_counters",
                columns: table => new
                {
                    Year = table.Column<int>(type: "integer", nullable: false),
                    Last = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_invoice_number_counters", x => x.Year);
                });

            // Existing invoices are numbered in the order they were issued, then the column is required and the
            // trigger numbers every new one.
            migrationBuilder.AddColumn<string>(
                name: "Number",
                table: "invoices",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);
            migrationBuilder.Sql(InvoiceNumbers.NumberExisting);
            migrationBuilder.AlterColumn<string>(
                name: "Number",
                table: "invoices",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(16)",
                oldMaxLength: 16,
                oldNullable: true);
            migrationBuilder.Sql(InvoiceNumbers.CreateTrigger);

            migrationBuilder.CreateIndex(
                name: "IX_orders_Number",
                table: "orders",
                column: "Number",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_invoices_Number",
                table: "invoices",
                column: "Number",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(InvoiceNumbers.DropTrigger);

            migrationBuilder.DropTable(
                name: "invoice_number_counters");

            migrationBuilder.DropIndex(
                name: "IX_orders_Number",
                table: "orders");

            migrationBuilder.DropIndex(
                name: "IX_invoices_Number",
                table: "invoices");

            migrationBuilder.DropColumn(
                name: "Number",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "Number",
                table: "invoices");
        }
    }
}
