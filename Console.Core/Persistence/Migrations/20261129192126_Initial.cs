using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Console.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "FlowRunStateChanges",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    FlowRunId = table.Column<Guid>(type: "TEXT", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Message = table.Column<string>(type: "TEXT", nullable: true),
                    Timestamp = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_FlowRunStateChanges", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "FlowRuns",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", nullable: false),
                    DeploymentId = table.Column<Guid>(type: "TEXT", nullable: true),
                    FlowName = table.Column<string>(type: "TEXT", nullable: false),
                    DeploymentName = table.Column<string>(type: "TEXT", nullable: false),
                    PoolId = table.Column<Guid>(type: "TEXT", nullable: false),
                    WorkPoolName = table.Column<string>(type: "TEXT", nullable: false),
                    QueueId = table.Column<Guid>(type: "TEXT", nullable: false),
                    WorkQueueName = table.Column<string>(type: "TEXT", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    StateMessage = table.Column<string>(type: "TEXT", nullable: true),
                    WorkerName = table.Column<string>(type: "TEXT", nullable: true),
                    InfrastructureId = table.Column<string>(type: "TEXT", nullable: true),
                    ExitCode = table.Column<int>(type: "INTEGER", nullable: true),
                    Parameters = table.Column<string>(type: "TEXT", nullable: false),
                    JobVariables = table.Column<string>(type: "TEXT", nullable: false),
                    ScheduleKey = table.Column<string>(type: "TEXT", nullable: true),
                    ExpectedStartAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ClaimedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    StartedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    EndedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_FlowRuns", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "LogLines",
                columns: table => new
                {
                    Seq = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    FlowRunId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Timestamp = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Level = table.Column<string>(type: "TEXT", nullable: false),
                    Stream = table.Column<string>(type: "TEXT", nullable: false),
                    Message = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LogLines", x => x.Seq);
                });

            migrationBuilder.CreateTable(
                name: "WorkPools",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", nullable: false),
                    Type = table.Column<string>(type: "TEXT", nullable: false),
                    Description = table.Column<string>(type: "TEXT", nullable: true),
                    ConcurrencyLimit = table.Column<int>(type: "INTEGER", nullable: true),
                    IsPaused = table.Column<bool>(type: "INTEGER", nullable: false),
                    BaseJobTemplate = table.Column<string>(type: "TEXT", nullable: false),
                    LastPolledAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WorkPools", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "WorkQueues",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PoolId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", nullable: false),
                    Description = table.Column<string>(type: "TEXT", nullable: true),
                    Priority = table.Column<int>(type: "INTEGER", nullable: false),
                    ConcurrencyLimit = table.Column<int>(type: "INTEGER", nullable: true),
                    IsPaused = table.Column<bool>(type: "INTEGER", nullable: false),
                    LastPolledAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WorkQueues", x => x.Id);
                    table.ForeignKey(
                        name: "FK_WorkQueues_WorkPools_PoolId",
                        column: x => x.PoolId,
                        principalTable: "WorkPools",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Workers",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PoolId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", nullable: false),
                    LastHeartbeatAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LastPolledAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    HeartbeatIntervalSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    Queues = table.Column<string>(type: "TEXT", nullable: false),
                    IsHealthy = table.Column<bool>(type: "INTEGER", nullable: false),
                    HealthMessage = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Workers", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Workers_WorkPools_PoolId",
                        column: x => x.PoolId,
                        principalTable: "WorkPools",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Deployments",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    FlowName = table.Column<string>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", nullable: false),
                    Entrypoint = table.Column<string>(type: "TEXT", nullable: false),
                    Command = table.Column<string>(type: "TEXT", nullable: true),
                    PoolId = table.Column<Guid>(type: "TEXT", nullable: false),
                    QueueId = table.Column<Guid>(type: "TEXT", nullable: false),
                    JobVariables = table.Column<string>(type: "TEXT", nullable: false),
                    Parameters = table.Column<string>(type: "TEXT", nullable: false),
                    Schedules = table.Column<string>(type: "TEXT", nullable: false),
                    Tags = table.Column<string>(type: "TEXT", nullable: false),
                    Description = table.Column<string>(type: "TEXT", nullable: true),
                    IsPaused = table.Column<bool>(type: "INTEGER", nullable: false),
                    ConcurrencyLimit = table.Column<int>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Deployments", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Deployments_WorkPools_PoolId",
                        column: x => x.PoolId,
                        principalTable: "WorkPools",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Deployments_WorkQueues_QueueId",
                        column: x => x.QueueId,
                        principalTable: "WorkQueues",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Deployments_FlowName_Name",
                table: "Deployments",
                columns: new[] { "FlowName", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Deployments_PoolId",
                table: "Deployments",
                column: "PoolId");

            migrationBuilder.CreateIndex(
                name: "IX_Deployments_QueueId",
                table: "Deployments",
                column: "QueueId");

            migrationBuilder.CreateIndex(
                name: "IX_FlowRunStateChanges_FlowRunId_Id",
                table: "FlowRunStateChanges",
                columns: new[] { "FlowRunId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_FlowRuns_CreatedAt",
                table: "FlowRuns",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_FlowRuns_DeploymentId_ScheduleKey",
                table: "FlowRuns",
                columns: new[] { "DeploymentId", "ScheduleKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_FlowRuns_DeploymentId_State",
                table: "FlowRuns",
                columns: new[] { "DeploymentId", "State" });

            migrationBuilder.CreateIndex(
                name: "IX_FlowRuns_PoolId_State_ExpectedStartAt",
                table: "FlowRuns",
                columns: new[] { "PoolId", "State", "ExpectedStartAt" });

            migrationBuilder.CreateIndex(
                name: "IX_FlowRuns_QueueId_State_ExpectedStartAt",
                table: "FlowRuns",
                columns: new[] { "QueueId", "State", "ExpectedStartAt" });

            migrationBuilder.CreateIndex(
                name: "IX_FlowRuns_WorkerName_State",
                table: "FlowRuns",
                columns: new[] { "WorkerName", "State" });

            migrationBuilder.CreateIndex(
                name: "IX_LogLines_FlowRunId_Seq",
                table: "LogLines",
                columns: new[] { "FlowRunId", "Seq" });

            migrationBuilder.CreateIndex(
                name: "IX_WorkPools_Name",
                table: "WorkPools",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_WorkQueues_PoolId_Name",
                table: "WorkQueues",
                columns: new[] { "PoolId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_WorkQueues_PoolId_Priority",
                table: "WorkQueues",
                columns: new[] { "PoolId", "Priority" });

            migrationBuilder.CreateIndex(
                name: "IX_Workers_PoolId_Name",
                table: "Workers",
                columns: new[] { "PoolId", "Name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Deployments");

            migrationBuilder.DropTable(
                name: "FlowRunStateChanges");

            migrationBuilder.DropTable(
                name: "FlowRuns");

            migrationBuilder.DropTable(
                name: "LogLines");

            migrationBuilder.DropTable(
                name: "Workers");

            migrationBuilder.DropTable(
                name: "WorkQueues");

            migrationBuilder.DropTable(
                name: "WorkPools");
        }
    }
}
