using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Console.Cli.Workers;

/// <summary>Writes the worker's logs through the CLI's console, one line each: time, level, message.</summary>
public sealed class AnsiConsoleLoggerProvider(IAnsiConsole console) : ILoggerProvider
{
    private readonly Lock _gate = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private void Write(LogLevel level, string message, Exception? exception)
    {
        var (name, color) = level switch
        {
            LogLevel.Critical => ("CRIT", "red bold"),
            LogLevel.Error => ("ERROR", "red"),
            LogLevel.Warning => ("WARN", "yellow"),
            LogLevel.Information => ("INFO", "default"),
            _ => ("DEBUG", "grey"),
        };
        var time = DateTime.Now.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
        var text = exception is null ? message : $"{message}: {exception.Message}";
        lock (_gate)
        {
            console.MarkupLine($"[grey]{time} |[/] [{color}]{name,-5}[/] [grey]|[/] {Markup.Escape(text)}");
        }
    }

    private sealed class Logger(AnsiConsoleLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            if (IsEnabled(logLevel))
            {
                provider.Write(logLevel, formatter(state, exception), exception);
            }
        }
    }
}
