using System.ComponentModel;
using System.Diagnostics;

namespace Console.Tests.Hosting;

/// <summary>Runs the README's shell lines as a user would: bash, a working folder, a few environment variables.</summary>
internal static class Shell
{
    public static ProcessStartInfo StartInfo(string file, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return start;
    }

    /// <summary>Runs <paramref name="script"/> with <c>bash -c</c>; returns its exit code, stdout and stderr.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> BashAsync(
        string script, string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = StartInfo("bash", workingDirectory, "-c", script);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start.");
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"The script did not end within {timeout.TotalSeconds} s. So far:\n{script}");
            }

            return (process.ExitCode, await stdout, await stderr);
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"bash could not run: {ex.Message}", ex);
        }
    }
}
