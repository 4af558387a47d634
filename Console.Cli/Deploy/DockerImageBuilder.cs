using System.Formats.Tar;
using System.Net.Sockets;
using System.Text;
using Console.Cli.Hosting;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Console.Cli.Deploy;

/// <summary>
/// Builds the flow project into an image through the Docker engine (Docker.DotNet): the folder is
/// sent as the build context, with the project's Dockerfile or a generated one, then optionally pushed.
/// An engine that cannot be reached is not an error of the deploy: the note says how to build by hand.
/// </summary>
public sealed class DockerImageBuilder(CliContext cli) : IImageBuilder
{
    internal const string GeneratedDockerfile = ".console.Dockerfile";
    private static readonly HashSet<string> Skipped = new(StringComparer.OrdinalIgnoreCase) { ".git", "bin", "obj", "node_modules", "__pycache__" };

    public async Task<ImageBuildResult> BuildAsync(ImageBuildRequest request, Action<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(progress);
        if (request.Dockerfile is { } own && !File.Exists(Path.Combine(request.ProjectDirectory, own)))
        {
            throw new UsageException($"The Dockerfile '{own}' named by console.yaml's build section does not exist.");
        }

        using var configuration = new DockerClientConfiguration(new Uri(cli.DockerHost));
        using var client = configuration.CreateClient();
        try
        {
            await client.System.PingAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or IOException or TimeoutException or DockerApiException)
        {
            var push = request.Push ? $" && docker push {request.Image}" : string.Empty;
            return new ImageBuildResult(false,
                $"Note: the Docker engine at {cli.DockerHost} is not reachable ({ex.Message}), so the image was not built. "
                + $"Build it with: docker build -t {request.Image} .{push}");
        }

        var failure = new StringBuilder();
        var report = new Progress(message =>
        {
            if (message.Error?.Message is { Length: > 0 } error)
            {
                failure.Append(error);
            }
            else if (!string.IsNullOrEmpty(message.ErrorMessage))
            {
                failure.Append(message.ErrorMessage);
            }
            else if (message.Stream?.TrimEnd() is { Length: > 0 } line)
            {
                progress(line);
            }
            else if (!string.IsNullOrEmpty(message.Status) && message.Progress is null)
            {
                progress(string.IsNullOrEmpty(message.ID) ? message.Status : $"{message.ID}: {message.Status}");
            }
        });

        await using (var context = await ContextAsync(request, cancellationToken))
        {
            await client.Images.BuildImageFromDockerfileAsync(
                new ImageBuildParameters
                {
                    Dockerfile = request.Dockerfile ?? GeneratedDockerfile,
                    Tags = [request.Image],
                    Remove = true,
                },
                context, null, null, report, cancellationToken);
        }

        Fail(failure, "build");
        if (request.Push)
        {
            var at = request.Image.LastIndexOf(':');
            await client.Images.PushImageAsync(
                request.Image[..at], new ImagePushParameters { Tag = request.Image[(at + 1)..] }, new AuthConfig(), report, cancellationToken);
            Fail(failure, "push");
        }

        return new ImageBuildResult(true);
    }

    /// <summary>The Dockerfile made for a project without one: the project's files in the working directory of a base image fit for the flow's command.</summary>
    internal static string Dockerfile(string? command)
    {
        var program = (command ?? string.Empty).TrimStart().Split(' ', 2)[0];
        var baseImage = program switch
        {
            "dotnet" => "mcr.microsoft.com/dotnet/sdk:10.0",
            "python" or "python3" => "python:3-slim",
            "node" => "node:lts-slim",
            "pwsh" => "mcr.microsoft.com/powershell:latest",
            _ => "alpine:3",
        };
        return $"FROM {baseImage}\nWORKDIR /opt/flow\nCOPY . /opt/flow\n";
    }

    private static void Fail(StringBuilder failure, string step)
    {
        if (failure.Length > 0)
        {
            throw new InvalidOperationException($"The image {step} failed: {failure}");
        }
    }

    private static async Task<Stream> ContextAsync(ImageBuildRequest request, CancellationToken ct)
    {
        var tar = new MemoryStream();
        await using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var file in Files(request.ProjectDirectory))
            {
                var name = Path.GetRelativePath(request.ProjectDirectory, file).Replace('\\', '/');
                await writer.WriteEntryAsync(file, name, ct);
            }

            if (request.Dockerfile is null)
            {
                var content = Encoding.UTF8.GetBytes(Dockerfile(request.Command));
                var entry = new PaxTarEntry(TarEntryType.RegularFile, GeneratedDockerfile) { DataStream = new MemoryStream(content) };
                await writer.WriteEntryAsync(entry, ct);
            }
        }

        tar.Position = 0;
        return tar;
    }

    private static IEnumerable<string> Files(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            yield return file;
        }

        foreach (var sub in Directory.EnumerateDirectories(folder))
        {
            if (!Skipped.Contains(Path.GetFileName(sub)))
            {
                foreach (var file in Files(sub))
                {
                    yield return file;
                }
            }
        }
    }

    /// <summary>Reports synchronously, in order (System.Progress posts to the thread pool).</summary>
    private sealed class Progress(Action<JSONMessage> report) : IProgress<JSONMessage>
    {
        public void Report(JSONMessage value) => report(value);
    }
}
