using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Introserv.Notifications.Data.Migrations
{
    /// <inheritdoc />
    public partial class BalanceSequence : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "BalanceSequence",
                table: "notification_settings",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "BalanceSequence",
                table: "notification_settings");
        }
    }
}
