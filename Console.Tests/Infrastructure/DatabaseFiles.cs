using System.Text;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Infrastructure;

/// <summary>What an attacker with a copy of the SQLite files would see.</summary>
public static class DatabaseFiles
{
    /// <summary>Fails when the app's database file, or what is left of its log, holds <paramref name="text"/> in clear.</summary>
    public static async Task AssertAbsentAsync(ApiFactory factory, string text, string what)
    {
        ArgumentNullException.ThrowIfNull(factory);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            // Checkpoint, so the bytes searched below are the database file and what is left of its log.
            await scope.ServiceProvider.GetRequiredService<ConsoleDbContext>().Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);");
        }

        var needle = Encoding.UTF8.GetBytes(text);
        var files = Directory.GetFiles(Path.GetDirectoryName(factory.DatabasePath)!, "console.db*");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            Assert.True(copy.ToArray().AsSpan().IndexOf(needle) < 0, $"{Path.GetFileName(file)} holds {what} in clear");
        }
    }
}
