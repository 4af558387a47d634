using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Console.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class FleetAndForesight : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "DrainingSince",
                table: "Workers",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Weight",
                table: "WorkQueues",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1); // Existing queues get the default weight.

            migrationBuilder.AddColumn<double>(
                name: "CpuSeconds",
                table: "FlowRuns",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "PeakMemoryBytes",
                table: "FlowRuns",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "FlowRunWaits",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    FlowRunId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Attempt = table.Column<int>(type: "INTEGER", nullable: false),
                    From = table.Column<DateTime>(type: "TEXT", nullable: false),
                    To = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Codes = table.Column<string>(type: "TEXT", nullable: false),
                    Reasons = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_FlowRunWaits", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_FlowRunWaits_FlowRunId_Id",
                table: "FlowRunWaits",
                columns: new[] { "FlowRunId", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "FlowRunWaits");

            migrationBuilder.DropColumn(
                name: "DrainingSince",
                table: "Workers");

            migrationBuilder.DropColumn(
                name: "Weight",
                table: "WorkQueues");

            migrationBuilder.DropColumn(
                name: "CpuSeconds",
                table: "FlowRuns");

            migrationBuilder.DropColumn(
                name: "PeakMemoryBytes",
                table: "FlowRuns");
        }
    }
}
