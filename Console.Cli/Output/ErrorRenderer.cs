using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Projects.Flows;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.Output;

/// <summary>Turns whatever stopped a command into a readable red message and the exit code.</summary>
public static class ErrorRenderer
{
    public static int Render(IAnsiConsole console, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(exception);
        switch (exception)
        {
            case ApiProblemException problem:
                console.MarkupLine($"[red bold]Error:[/] [red]{Markup.Escape(problem.Title)}[/]");
                var fieldMessages = problem.Errors.SelectMany(e => e.Value).ToHashSet(StringComparer.Ordinal);
                if (!string.IsNullOrEmpty(problem.Detail) && problem.Detail != problem.Title && !fieldMessages.Contains(problem.Detail))
                {
                    console.MarkupLine($"[red]{Markup.Escape(problem.Detail)}[/]");
                }

                foreach (var (field, messages) in problem.Errors)
                {
                    foreach (var message in messages)
                    {
                        console.MarkupLine($"[red]  - {Markup.Escape(field)}: {Markup.Escape(message)}[/]");
                    }
                }

                return ExitCodes.Error;

            case ServerUnreachableException unreachable:
                console.MarkupLine($"[red bold]Error:[/] [red]{Markup.Escape(unreachable.Message)}[/]");
                console.MarkupLine("Start the console from a clone with [aqua]dotnet run --project Console.Web[/], "
                    + $"or point the CLI at it with [aqua]--api URL[/] or [aqua]{CliEnvironment.ApiUrlVariable}[/].");
                return ExitCodes.Error;

            case UsageException usage:
                console.MarkupLine($"[red bold]Error:[/] [red]{Markup.Escape(usage.Message)}[/]");
                return ExitCodes.Usage;

            case FlowProjectException project:
                // The project's files are the user's input: their file, line and text say what to fix.
                console.MarkupLine($"[red bold]Error:[/] [red]{Markup.Escape(project.Message)}[/]");
                return ExitCodes.Usage;

            case CommandAppException app:
                if (app.Pretty is { } pretty)
                {
                    console.Write(pretty);
                }
                else
                {
                    console.MarkupLine($"[red bold]Error:[/] [red]{Markup.Escape(app.Message)}[/]");
                }

                return ExitCodes.Usage;

            case OperationCanceledException:
                console.MarkupLine("[yellow]Interrupted.[/]");
                return ExitCodes.Cancelled;

            default:
                console.MarkupLine($"[red bold]Error:[/] [red]{Markup.Escape(exception.Message)}[/]");
                return ExitCodes.Error;
        }
    }
}
