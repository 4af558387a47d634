using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Console.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class PartialIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_FlowRuns_PoolId_InfrastructureHeldSince",
                table: "FlowRuns");

            migrationBuilder.DropIndex(
                name: "IX_FlowRuns_QueueId_State_NextAttemptAt",
                table: "FlowRuns");

            migrationBuilder.DropIndex(
                name: "IX_FlowRuns_WorkerName_State_PoolId",
                table: "FlowRuns");

            migrationBuilder.DropIndex(
                name: "IX_Events_AutomationId_Type",
                table: "Events");

            migrationBuilder.DropIndex(
                name: "IX_Events_DispatchedAt",
                table: "Events");

            migrationBuilder.DropIndex(
                name: "IX_Events_OccurrenceKey",
                table: "Events");

            migrationBuilder.CreateIndex(
                name: "IX_FlowRuns_PoolId_InfrastructureHeldSince",
                table: "FlowRuns",
                columns: new[] { "PoolId", "InfrastructureHeldSince" },
                filter: "\"InfrastructureHeldSince\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_FlowRuns_QueueId_State_NextAttemptAt",
                table: "FlowRuns",
                columns: new[] { "QueueId", "State", "NextAttemptAt" },
                filter: "\"NextAttemptAt\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_FlowRuns_WorkerName_State_PoolId",
                table: "FlowRuns",
                columns: new[] { "WorkerName", "State", "PoolId" },
                filter: "\"WorkerName\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Events_AutomationId_Type",
                table: "Events",
                columns: new[] { "AutomationId", "Type" },
                filter: "\"AutomationId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Events_DispatchedAt",
                table: "Events",
                column: "DispatchedAt",
                filter: "\"DispatchedAt\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Events_OccurrenceKey",
                table: "Events",
                column: "OccurrenceKey",
                unique: true,
                filter: "\"OccurrenceKey\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_FlowRuns_PoolId_InfrastructureHeldSince",
                table: "FlowRuns");

            migrationBuilder.DropIndex(
                name: "IX_FlowRuns_QueueId_State_NextAttemptAt",
                table: "FlowRuns");

            migrationBuilder.DropIndex(
                name: "IX_FlowRuns_WorkerName_State_PoolId",
                table: "FlowRuns");

            migrationBuilder.DropIndex(
                name: "IX_Events_AutomationId_Type",
                table: "Events");

            migrationBuilder.DropIndex(
                name: "IX_Events_DispatchedAt",
                table: "Events");

            migrationBuilder.DropIndex(
                name: "IX_Events_OccurrenceKey",
                table: "Events");

            migrationBuilder.CreateIndex(
                name: "IX_FlowRuns_PoolId_InfrastructureHeldSince",
                table: "FlowRuns",
                columns: new[] { "PoolId", "InfrastructureHeldSince" });

            migrationBuilder.CreateIndex(
                name: "IX_FlowRuns_QueueId_State_NextAttemptAt",
                table: "FlowRuns",
                columns: new[] { "QueueId", "State", "NextAttemptAt" });

            migrationBuilder.CreateIndex(
                name: "IX_FlowRuns_WorkerName_State_PoolId",
                table: "FlowRuns",
                columns: new[] { "WorkerName", "State", "PoolId" });

            migrationBuilder.CreateIndex(
                name: "IX_Events_AutomationId_Type",
                table: "Events",
                columns: new[] { "AutomationId", "Type" });

            migrationBuilder.CreateIndex(
                name: "IX_Events_DispatchedAt",
                table: "Events",
                column: "DispatchedAt");

            migrationBuilder.CreateIndex(
                name: "IX_Events_OccurrenceKey",
                table: "Events",
                column: "OccurrenceKey",
                unique: true);
        }
    }
}
