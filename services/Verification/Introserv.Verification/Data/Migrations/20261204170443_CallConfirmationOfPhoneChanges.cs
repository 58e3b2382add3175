using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Introserv.Verification.Data.Migrations
{
    /// <inheritdoc />
    public partial class CallConfirmationOfPhoneChanges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "ConfirmByCall",
                table: "verified_phones",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ConfirmByCallChangedAt",
                table: "verified_phones",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ConfirmByCall",
                table: "verified_phones");

            migrationBuilder.DropColumn(
                name: "ConfirmByCallChangedAt",
                table: "verified_phones");
        }
    }
}
