using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Introserv.Notifications.Data.Migrations
{
    /// <inheritdoc />
    public partial class EmailConfirmation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "AccountEmailConfirmed",
                table: "notification_settings",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            // An address that arrived through a confirmed change is confirmed; others confirm through their link.
            migrationBuilder.Sql("UPDATE notification_settings SET \"AccountEmailConfirmed\" = true WHERE \"EmailProfileVersion\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "AccountEmailConfirmed",
                table: "notification_settings");
        }
    }
}
