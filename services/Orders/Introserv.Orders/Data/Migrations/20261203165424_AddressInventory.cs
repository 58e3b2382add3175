using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Introserv.Orders.Data.Migrations
{
    /// <summary>
    /// The address pool becomes inventory staff manage: when an address was added and when it was retired. The
    /// addresses already in the pool stay (migrations no longer carry any; deployments seed or add their own).
    /// </summary>
    public partial class AddressInventory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "AddedAt",
                table: "address_pool",
                type: "timestamp with time zone",
                nullable: false,
                defaultValueSql: "now()");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "RetiredAt",
                table: "address_pool",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "AddedAt",
                table: "address_pool");

            migrationBuilder.DropColumn(
                name: "RetiredAt",
                table: "address_pool");
        }
    }
}
