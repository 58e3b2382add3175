using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Introserv.Orders.Data.Migrations
{
    /// <inheritdoc />
    public partial class Taxes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<decimal>(
                name: "NetAmount",
                table: "quotes",
                type: "numeric(18,2)",
                precision: 18,
                scale: 2,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<decimal>(
                name: "NewTaxRate",
                table: "quotes",
                type: "numeric(7,4)",
                precision: 7,
                scale: 4,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<string>(
                name: "TaxCountry",
                table: "quotes",
                type: "character varying(2)",
                maxLength: 2,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "TaxRate",
                table: "quotes",
                type: "numeric(7,4)",
                precision: 7,
                scale: 4,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<string>(
                name: "TaxRule",
                table: "quotes",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "none");

            migrationBuilder.AddColumn<string>(
                name: "TaxCountry",
                table: "orders",
                type: "character varying(2)",
                maxLength: 2,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "TaxRate",
                table: "orders",
                type: "numeric(7,4)",
                precision: 7,
                scale: 4,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<string>(
                name: "TaxRule",
                table: "orders",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "NetAmount",
                table: "invoices",
                type: "numeric(18,2)",
                precision: 18,
                scale: 2,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<decimal>(
                name: "TaxAmount",
                table: "invoices",
                type: "numeric(18,2)",
                precision: 18,
                scale: 2,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<string>(
                name: "TaxCountry",
                table: "invoices",
                type: "character varying(2)",
                maxLength: 2,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "TaxRate",
                table: "invoices",
                type: "numeric(7,4)",
                precision: 7,
                scale: 4,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<string>(
                name: "TaxRule",
                table: "invoices",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "none");

            // What was charged before taxes: net as charged, no tax. Quotes too (their amounts were net).
            migrationBuilder.Sql("UPDATE invoices SET \"NetAmount\" = \"Amount\";");
            migrationBuilder.Sql("UPDATE quotes SET \"NetAmount\" = \"Amount\";");

            migrationBuilder.AddCheckConstraint(
                name: "ck_invoices_gross_is_net_plus_tax",
                table: "invoices",
                sql: "\"Amount\" = \"NetAmount\" + \"TaxAmount\"");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_invoices_gross_is_net_plus_tax",
                table: "invoices");

            migrationBuilder.DropColumn(
                name: "NetAmount",
                table: "quotes");

            migrationBuilder.DropColumn(
                name: "NewTaxRate",
                table: "quotes");

            migrationBuilder.DropColumn(
                name: "TaxCountry",
                table: "quotes");

            migrationBuilder.DropColumn(
                name: "TaxRate",
                table: "quotes");

            migrationBuilder.DropColumn(
                name: "TaxRule",
                table: "quotes");

            migrationBuilder.DropColumn(
                name: "TaxCountry",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "TaxRate",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "TaxRule",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "NetAmount",
                table: "invoices");

            migrationBuilder.DropColumn(
                name: "TaxAmount",
                table: "invoices");

            migrationBuilder.DropColumn(
                name: "TaxCountry",
                table: "invoices");

            migrationBuilder.DropColumn(
                name: "TaxRate",
                table: "invoices");

            migrationBuilder.DropColumn(
                name: "TaxRule",
                table: "invoices");
        }
    }
}
