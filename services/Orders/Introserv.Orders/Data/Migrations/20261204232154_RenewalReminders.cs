using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Introserv.Orders.Data.Migrations
{
    /// <inheritdoc />
    public partial class RenewalReminders : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "renewal_reminders",
                columns: table => new
                {
                    OrderId = table.Column<Guid>(type: "uuid", nullable: false),
                    PaidUntil = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    DaysAhead = table.Column<int>(type: "integer", nullable: false),
                    SentAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_renewal_reminders", x => new { x.OrderId, x.PaidUntil, x.DaysAhead });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "renewal_reminders");
        }
    }
}
