using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Console.Core.Persistence.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class InfrastructureFencing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "InfrastructureHeldSince",
                table: "FlowRuns",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "InfrastructureReleasedAt",
                table: "FlowRuns",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_FlowRuns_PoolId_InfrastructureHeldSince",
                table: "FlowRuns",
                columns: new[] { "PoolId", "InfrastructureHeldSince" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_FlowRuns_PoolId_InfrastructureHeldSince",
                table: "FlowRuns");

            migrationBuilder.DropColumn(
                name: "InfrastructureHeldSince",
                table: "FlowRuns");

            migrationBuilder.DropColumn(
                name: "InfrastructureReleasedAt",
                table: "FlowRuns");
        }
    }
}
