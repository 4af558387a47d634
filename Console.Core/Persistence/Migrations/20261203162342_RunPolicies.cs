using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Console.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RunPolicies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Attempt",
                table: "LogLines",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.AddColumn<int>(
                name: "Attempt",
                table: "FlowRuns",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.AddColumn<string>(
                name: "IdempotencyKey",
                table: "FlowRuns",
                type: "TEXT",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "MaxAttempts",
                table: "FlowRuns",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.AddColumn<DateTime>(
                name: "NextAttemptAt",
                table: "FlowRuns",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RetryPolicy",
                table: "FlowRuns",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Attempt",
                table: "FlowRunStateChanges",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.AddColumn<string>(
                name: "CollisionStrategy",
                table: "Deployments",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "Enqueue");

            migrationBuilder.AddColumn<int>(
                name: "LateMaxScheduled",
                table: "Deployments",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "LateSkipAfterSeconds",
                table: "Deployments",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Retries",
                table: "Deployments",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "TimeoutSeconds",
                table: "Deployments",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_FlowRuns_DeploymentId_IdempotencyKey",
                table: "FlowRuns",
                columns: new[] { "DeploymentId", "IdempotencyKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_FlowRuns_QueueId_State_NextAttemptAt",
                table: "FlowRuns",
                columns: new[] { "QueueId", "State", "NextAttemptAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_FlowRuns_DeploymentId_IdempotencyKey",
                table: "FlowRuns");

            migrationBuilder.DropIndex(
                name: "IX_FlowRuns_QueueId_State_NextAttemptAt",
                table: "FlowRuns");

            migrationBuilder.DropColumn(
                name: "Attempt",
                table: "LogLines");

            migrationBuilder.DropColumn(
                name: "Attempt",
                table: "FlowRuns");

            migrationBuilder.DropColumn(
                name: "IdempotencyKey",
                table: "FlowRuns");

            migrationBuilder.DropColumn(
                name: "MaxAttempts",
                table: "FlowRuns");

            migrationBuilder.DropColumn(
                name: "NextAttemptAt",
                table: "FlowRuns");

            migrationBuilder.DropColumn(
                name: "RetryPolicy",
                table: "FlowRuns");

            migrationBuilder.DropColumn(
                name: "Attempt",
                table: "FlowRunStateChanges");

            migrationBuilder.DropColumn(
                name: "CollisionStrategy",
                table: "Deployments");

            migrationBuilder.DropColumn(
                name: "LateMaxScheduled",
                table: "Deployments");

            migrationBuilder.DropColumn(
                name: "LateSkipAfterSeconds",
                table: "Deployments");

            migrationBuilder.DropColumn(
                name: "Retries",
                table: "Deployments");

            migrationBuilder.DropColumn(
                name: "TimeoutSeconds",
                table: "Deployments");
        }
    }
}
