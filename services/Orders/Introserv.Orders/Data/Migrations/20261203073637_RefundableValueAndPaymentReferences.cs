using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Introserv.Orders.Data.Migrations
{
    /// <inheritdoc />
    public partial class RefundableValueAndPaymentReferences : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ledger_entries_AccountId_ReferenceType_ReferenceId",
                table: "ledger_entries");

            migrationBuilder.AddColumn<decimal>(
                name: "NewRefundableValue",
                table: "quotes",
                type: "numeric(18,2)",
                precision: 18,
                scale: 2,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<decimal>(
                name: "RefundableValue",
                table: "orders",
                type: "numeric(18,2)",
                precision: 18,
                scale: 2,
                nullable: false,
                defaultValue: 0m);

            // What was paid so far was paid under the terms of the order's plan (plan changes were within refundable
            // terms or are now limited by them): refundable when that plan refunds unused days.
            migrationBuilder.Sql("""
                UPDATE orders SET "RefundableValue" = orders."TermValue" FROM plans WHERE plans."Id" = orders."PlanId" AND plans."RefundsUnusedDays";
                UPDATE quotes SET "NewRefundableValue" = quotes."NewTermValue" FROM plans, orders
                WHERE plans."Id" = quotes."TargetPlanId" AND plans."RefundsUnusedDays" AND orders."Id" = quotes."OrderId" AND orders."RefundableValue" = orders."TermValue";
                """);

            migrationBuilder.AddCheckConstraint(
                name: "ck_orders_refundable_value",
                table: "orders",
                sql: "\"RefundableValue\" >= 0 AND \"RefundableValue\" <= \"TermValue\"");

            migrationBuilder.CreateIndex(
                name: "IX_ledger_entries_ReferenceType_ReferenceId",
                table: "ledger_entries",
                columns: new[] { "ReferenceType", "ReferenceId" },
                unique: true,
                filter: "\"ReferenceType\" = 'payment'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_orders_refundable_value",
                table: "orders");

            migrationBuilder.DropIndex(
                name: "IX_ledger_entries_ReferenceType_ReferenceId",
                table: "ledger_entries");

            migrationBuilder.DropColumn(
                name: "NewRefundableValue",
                table: "quotes");

            migrationBuilder.DropColumn(
                name: "RefundableValue",
                table: "orders");

            migrationBuilder.CreateIndex(
                name: "IX_ledger_entries_AccountId_ReferenceType_ReferenceId",
                table: "ledger_entries",
                columns: new[] { "AccountId", "ReferenceType", "ReferenceId" },
                unique: true,
                filter: "\"ReferenceType\" = 'payment'");
        }
    }
}
