using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Introserv.Orders.Data.Migrations
{
    /// <inheritdoc />
    public partial class OrderLifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "CancellationReason",
                table: "orders",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "CancellationRequestedAt",
                table: "orders",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "TermStart",
                table: "orders",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "TermValue",
                table: "orders",
                type: "numeric(18,2)",
                precision: 18,
                scale: 2,
                nullable: false,
                defaultValue: 0m);

            // Orders paid before this migration: their paid span is the current period, worth the period price.
            migrationBuilder.Sql("""
                UPDATE orders SET "TermValue" = "PeriodPrice", "TermStart" = "PaidUntil" - make_interval(months => "PeriodMonths")
                WHERE "PaidUntil" IS NOT NULL
                """);

            migrationBuilder.CreateTable(
                name: "quotes",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    AccountId = table.Column<Guid>(type: "uuid", nullable: false),
                    OrderId = table.Column<Guid>(type: "uuid", nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    TargetPlanId = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    Amount = table.Column<decimal>(type: "numeric(18,2)", precision: 18, scale: 2, nullable: false),
                    Currency = table.Column<string>(type: "character(3)", fixedLength: true, maxLength: 3, nullable: false),
                    UnusedDays = table.Column<int>(type: "integer", nullable: false),
                    NewTermValue = table.Column<decimal>(type: "numeric(18,2)", precision: 18, scale: 2, nullable: false),
                    NewTermStart = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    OrderVersion = table.Column<int>(type: "integer", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ExpiresAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ConfirmedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_quotes", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_orders_Status_PaidUntil",
                table: "orders",
                columns: new[] { "Status", "PaidUntil" });

            migrationBuilder.AddCheckConstraint(
                name: "ck_orders_term_value_not_negative",
                table: "orders",
                sql: "\"TermValue\" >= 0");

            migrationBuilder.CreateIndex(
                name: "IX_idempotency_records_CreatedAt",
                table: "idempotency_records",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_quotes_ExpiresAt",
                table: "quotes",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_quotes_OrderId_CreatedAt",
                table: "quotes",
                columns: new[] { "OrderId", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "quotes");

            migrationBuilder.DropIndex(
                name: "IX_orders_Status_PaidUntil",
                table: "orders");

            migrationBuilder.DropCheckConstraint(
                name: "ck_orders_term_value_not_negative",
                table: "orders");

            migrationBuilder.DropIndex(
                name: "IX_idempotency_records_CreatedAt",
                table: "idempotency_records");

            migrationBuilder.DropColumn(
                name: "CancellationReason",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "CancellationRequestedAt",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "TermStart",
                table: "orders");

            migrationBuilder.DropColumn(
                name: "TermValue",
                table: "orders");
        }
    }
}
