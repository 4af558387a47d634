namespace Console.Cli.Hosting;

public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The server refused the request, could not be reached, or a run did not complete.</summary>
    public const int Error = 1;

    /// <summary>The command line itself is wrong.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted with Ctrl+C, as shells report SIGINT.</summary>
    public const int Cancelled = 130;
}
