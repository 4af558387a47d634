using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Console.Core.Persistence.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class PullSteps : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "CodeRevision",
                table: "FlowRuns",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PullSteps",
                table: "Deployments",
                type: "text",
                nullable: false,
                defaultValue: "[]");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "CodeRevision",
                table: "FlowRuns");

            migrationBuilder.DropColumn(
                name: "PullSteps",
                table: "Deployments");
        }
    }
}
