using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace Introserv.Orders.Data.Migrations
{
    /// <inheritdoc />
    public partial class PlansAndLedger : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "balances",
                columns: table => new
                {
                    AccountId = table.Column<Guid>(type: "uuid", nullable: false),
                    Balance = table.Column<decimal>(type: "numeric(18,2)", precision: 18, scale: 2, nullable: false),
                    Currency = table.Column<string>(type: "character(3)", fixedLength: true, maxLength: 3, nullable: false),
                    Sequence = table.Column<long>(type: "bigint", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_balances", x => x.AccountId);
                    table.CheckConstraint("ck_balances_not_negative", "\"Balance\" >= 0");
                });

            migrationBuilder.CreateTable(
                name: "ledger_entries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    AccountId = table.Column<Guid>(type: "uuid", nullable: false),
                    Sequence = table.Column<long>(type: "bigint", nullable: false),
                    Amount = table.Column<decimal>(type: "numeric(18,2)", precision: 18, scale: 2, nullable: false),
                    Currency = table.Column<string>(type: "character(3)", fixedLength: true, maxLength: 3, nullable: false),
                    BalanceAfter = table.Column<decimal>(type: "numeric(18,2)", precision: 18, scale: 2, nullable: false),
                    Reason = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    ReferenceType = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    ReferenceId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    Note = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    ActorId = table.Column<Guid>(type: "uuid", nullable: true),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger_entries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "plans",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Type = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    CpuCores = table.Column<int>(type: "integer", nullable: false),
                    RamGb = table.Column<int>(type: "integer", nullable: false),
                    DiskGb = table.Column<int>(type: "integer", nullable: false),
                    TrafficTb = table.Column<int>(type: "integer", nullable: false),
                    MonthlyPrice = table.Column<decimal>(type: "numeric(18,2)", precision: 18, scale: 2, nullable: false),
                    Currency = table.Column<string>(type: "character(3)", fixedLength: true, maxLength: 3, nullable: false),
                    SetupFee = table.Column<decimal>(type: "numeric(18,2)", precision: 18, scale: 2, nullable: false),
                    RefundsUnusedDays = table.Column<bool>(type: "boolean", nullable: false),
                    Active = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_plans", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "plan_periods",
                columns: table => new
                {
                    PlanId = table.Column<string>(type: "character varying(32)", nullable: false),
                    Months = table.Column<int>(type: "integer", nullable: false),
                    DiscountPercent = table.Column<decimal>(type: "numeric(5,2)", precision: 5, scale: 2, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_plan_periods", x => new { x.PlanId, x.Months });
                    table.ForeignKey(
                        name: "FK_plan_periods_plans_PlanId",
                        column: x => x.PlanId,
                        principalTable: "plans",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.InsertData(
                table: "plans",
                columns: new[] { "Id", "Active", "CpuCores", "Currency", "DiskGb", "MonthlyPrice", "Name", "RamGb", "RefundsUnusedDays", "SetupFee", "TrafficTb", "Type" },
                values: new object[,]
                {
                    { "ds-e3", true, 8, "EUR", 1000, 89.00m, "Dedicated E-2388G", 32, true, 49.00m, 30, "dedicated" },
                    { "ds-epyc", true, 24, "EUR", 3840, 229.00m, "Dedicated EPYC 7443P", 128, false, 99.00m, 100, "dedicated" },
                    { "vps-l", true, 8, "EUR", 240, 39.90m, "VPS L", 16, true, 0m, 8, "vps" },
                    { "vps-m", true, 4, "EUR", 120, 19.90m, "VPS M", 8, true, 0m, 4, "vps" },
                    { "vps-s", true, 2, "EUR", 60, 9.90m, "VPS S", 4, true, 0m, 2, "vps" }
                });

            migrationBuilder.InsertData(
                table: "plan_periods",
                columns: new[] { "Months", "PlanId", "DiscountPercent" },
                values: new object[,]
                {
                    { 1, "ds-e3", 0m },
                    { 3, "ds-e3", 3m },
                    { 6, "ds-e3", 5m },
                    { 12, "ds-e3", 10m },
                    { 1, "ds-epyc", 0m },
                    { 3, "ds-epyc", 3m },
                    { 6, "ds-epyc", 5m },
                    { 12, "ds-epyc", 10m },
                    { 1, "vps-l", 0m },
                    { 3, "vps-l", 3m },
                    { 6, "vps-l", 5m },
                    { 12, "vps-l", 10m },
                    { 1, "vps-m", 0m },
                    { 3, "vps-m", 3m },
                    { 6, "vps-m", 5m },
                    { 12, "vps-m", 10m },
                    { 1, "vps-s", 0m },
                    { 3, "vps-s", 3m },
                    { 6, "vps-s", 5m },
                    { 12, "vps-s", 10m }
                });

            migrationBuilder.CreateIndex(
                name: "IX_ledger_entries_AccountId_ReferenceType_ReferenceId",
                table: "ledger_entries",
                columns: new[] { "AccountId", "ReferenceType", "ReferenceId" },
                unique: true,
                filter: "\"ReferenceType\" = 'payment'");

            migrationBuilder.CreateIndex(
                name: "IX_ledger_entries_AccountId_Sequence",
                table: "ledger_entries",
                columns: new[] { "AccountId", "Sequence" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "balances");

            migrationBuilder.DropTable(
                name: "ledger_entries");

            migrationBuilder.DropTable(
                name: "plan_periods");

            migrationBuilder.DropTable(
                name: "plans");
        }
    }
}
