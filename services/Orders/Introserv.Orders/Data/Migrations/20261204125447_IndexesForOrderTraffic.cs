using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Introserv.Orders.Data.Migrations
{
    /// <inheritdoc />
    public partial class IndexesForOrderTraffic : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_invoices_OrderId",
                table: "invoices",
                column: "OrderId");

            migrationBuilder.CreateIndex(
                name: "ix_address_pool_free",
                table: "address_pool",
                column: "Address",
                filter: "\"OrderId\" IS NULL AND \"RetiredAt\" IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_invoices_OrderId",
                table: "invoices");

            migrationBuilder.DropIndex(
                name: "ix_address_pool_free",
                table: "address_pool");
        }
    }
}
