using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Introserv.Identity.Data.Migrations
{
    /// <inheritdoc />
    public partial class OutboxVacuumedOften : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterTable(
                name: "outbox_messages")
                .Annotation("Npgsql:StorageParameter:autovacuum_vacuum_scale_factor", 0)
                .Annotation("Npgsql:StorageParameter:autovacuum_vacuum_threshold", 1000);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterTable(
                name: "outbox_messages")
                .OldAnnotation("Npgsql:StorageParameter:autovacuum_vacuum_scale_factor", 0)
                .OldAnnotation("Npgsql:StorageParameter:autovacuum_vacuum_threshold", 1000);
        }
    }
}
