namespace Console.Cli.Hosting;

/// <summary>The command line is wrong (missing or invalid option): exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
