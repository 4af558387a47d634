using System.ComponentModel;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace Console.Tests.Images;

/// <summary>
/// A second real registry that wants credentials: docker-registry with <c>auth: htpasswd</c> on
/// its own loopback port, one account with a random password (bcrypt, made by apache2-utils'
/// htpasswd, the only hash distribution accepts). Started for the test class and stopped after.
/// </summary>
public sealed class AuthRegistry : IAsyncLifetime
{
    public const string Htpasswd = "/usr/bin/htpasswd";
    private RegistryProcess? _process;

    public string Address => _process?.Address ?? throw new InvalidOperationException("The registry has not started.");

    public string Username { get; } = "pusher";

    public string Password { get; } = "pw-" + Guid.NewGuid().ToString("N");

    public async Task InitializeAsync()
    {
        if (!File.Exists(Htpasswd))
        {
            throw new InvalidOperationException(
                $"{Htpasswd} is missing: run scripts/test.sh, which installs the Debian package 'apache2-utils' for the registry's password file.");
        }

        var folder = Directory.CreateTempSubdirectory("console-auth-registry-").FullName;
        var passwords = Path.Combine(folder, "htpasswd");
        await CreatePasswordFileAsync(passwords);
        _process = await RegistryProcess.StartAsync(0, folder, $"""
            auth:
              htpasswd:
                realm: console-test
                path: {passwords}

            """);
    }

    public Task DisposeAsync()
    {
        _process?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>The tags of a repository as the registry lists them to this account (its HTTP API, not the engine).</summary>
    public async Task<string> TagsAsync(string repository, string? username = null, string? password = null)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{Address}/v2/{repository}/tags/list"));
        if (username is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}")));
        }

        using var response = await http.SendAsync(request);
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
    }

    // The password goes through stdin (-i), never onto a command line others can read.
    private async Task CreatePasswordFileAsync(string path)
    {
        var start = new ProcessStartInfo(Htpasswd)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-B", "-i", "-c", path, Username })
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Htpasswd} did not start.");
            await process.StandardInput.WriteLineAsync(Password);
            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{Htpasswd} exited with {process.ExitCode}: {await stderr}");
            }
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"{Htpasswd} could not run: {ex.Message}", ex);
        }
    }
}
