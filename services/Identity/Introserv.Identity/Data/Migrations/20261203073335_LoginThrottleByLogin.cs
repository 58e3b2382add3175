using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Introserv.Identity.Data.Migrations
{
    /// <inheritdoc />
    public partial class LoginThrottleByLogin : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The throttle now keys on the login (known and unknown alike), stored lower case.
            migrationBuilder.Sql("UPDATE \"LoginAttempts\" SET \"Login\" = lower(\"Login\") WHERE \"Login\" <> lower(\"Login\");");

            migrationBuilder.CreateIndex(
                name: "IX_LoginAttempts_Login_At",
                table: "LoginAttempts",
                columns: new[] { "Login", "At" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_LoginAttempts_Login_At",
                table: "LoginAttempts");
        }
    }
}
