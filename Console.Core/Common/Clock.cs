namespace Console.Core.Common;

internal static class Clock
{
    public static DateTime UtcNow(this TimeProvider time) => time.GetUtcNow().UtcDateTime;
}
