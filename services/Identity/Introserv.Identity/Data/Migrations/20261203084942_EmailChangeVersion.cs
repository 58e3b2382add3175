using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Introserv.Identity.Data.Migrations
{
    /// <inheritdoc />
    public partial class EmailChangeVersion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "EmailProfileVersion",
                table: "AspNetUsers",
                type: "integer",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "EmailProfileVersion",
                table: "AspNetUsers");
        }
    }
}
