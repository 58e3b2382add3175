using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Introserv.Orders.Data.Migrations
{
    /// <inheritdoc />
    public partial class OrderFormFields : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Fields",
                table: "orders",
                type: "jsonb",
                nullable: false,
                defaultValueSql: "'{}'::jsonb");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Fields",
                table: "orders");
        }
    }
}
