using System.Text;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Infrastructure;

/// <summary>A test's SQLite files: what an attacker with a copy of them would see, and removing them after the test.</summary>
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

    /// <summary>
    /// Removes a test's folder with its SQLite files, after closing the pooled connections on them.
    /// A file that appears meanwhile ("Directory not empty": a connection opened after the pools
    /// were cleared) gets three more tries, then the folder is left to the system's temp cleanup:
    /// cleaning up is not what the test asserts, and an exception here, in a finally block, would
    /// hide the test's own failure.
    /// </summary>
    public static void DeleteFolder(string folder)
    {
        for (var attempt = 1; ; attempt++)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(folder, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException) when (attempt < 4)
            {
                Thread.Sleep(100 * attempt);
            }
            catch (IOException)
            {
                return;
            }
        }
    }
}
