using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Console.Core.Persistence.Postgres.Migrations
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
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Weight",
                table: "WorkQueues",
                type: "integer",
                nullable: false,
                defaultValue: 1); // Existing queues get the default weight.

            migrationBuilder.AddColumn<double>(
                name: "CpuSeconds",
                table: "FlowRuns",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "PeakMemoryBytes",
                table: "FlowRuns",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "FlowRunWaits",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    FlowRunId = table.Column<Guid>(type: "uuid", nullable: false),
                    Attempt = table.Column<int>(type: "integer", nullable: false),
                    From = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    To = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Codes = table.Column<string>(type: "text", nullable: false),
                    Reasons = table.Column<string>(type: "text", nullable: false)
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
