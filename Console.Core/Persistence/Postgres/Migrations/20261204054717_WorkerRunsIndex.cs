using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Console.Core.Persistence.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class WorkerRunsIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_FlowRuns_WorkerName_State",
                table: "FlowRuns");

            migrationBuilder.CreateIndex(
                name: "IX_FlowRuns_WorkerName_State_PoolId",
                table: "FlowRuns",
                columns: new[] { "WorkerName", "State", "PoolId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_FlowRuns_WorkerName_State_PoolId",
                table: "FlowRuns");

            migrationBuilder.CreateIndex(
                name: "IX_FlowRuns_WorkerName_State",
                table: "FlowRuns",
                columns: new[] { "WorkerName", "State" });
        }
    }
}
