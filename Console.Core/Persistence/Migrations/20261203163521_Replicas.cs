using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Console.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Replicas : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "Version",
                table: "FlowRuns",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Version",
                table: "FlowRuns");
        }
    }
}
