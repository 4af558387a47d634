namespace Console.Cli;

/// <summary>
/// A named entry point rather than top-level statements: those would declare a global
/// <c>Program</c> that clashes with the web host's in the test project.
/// </summary>
internal static class Program
{
    private static Task<int> Main(string[] args) => CliApp.MainAsync(args);
}
