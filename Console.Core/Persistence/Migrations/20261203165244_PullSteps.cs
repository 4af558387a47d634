using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Console.Core.Persistence.Migrations
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
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PullSteps",
                table: "Deployments",
                type: "TEXT",
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
