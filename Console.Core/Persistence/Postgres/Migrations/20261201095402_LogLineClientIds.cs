using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Console.Core.Persistence.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class LogLineClientIds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ClientId",
                table: "LogLines",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_LogLines_FlowRunId_ClientId",
                table: "LogLines",
                columns: new[] { "FlowRunId", "ClientId" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_LogLines_FlowRunId_ClientId",
                table: "LogLines");

            migrationBuilder.DropColumn(
                name: "ClientId",
                table: "LogLines");
        }
    }
}
