namespace Console.Cli.Hosting;

/// <summary>The process's standard input (tests give a reader of their own): where <c>--value-from-stdin</c> reads.</summary>
public class StandardInput(TextReader? reader = null)
{
    public TextReader Reader => reader ?? global::System.Console.In;
}
