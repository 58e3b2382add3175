using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Introserv.Notifications.Data.Migrations
{
    /// <inheritdoc />
    public partial class DeliveryLease : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "LeaseId",
                table: "notifications",
                type: "uuid",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LeaseId",
                table: "notifications");
        }
    }
}
