using System.Globalization;
using Console.Contracts;

namespace Console.Web.Components.Deployments;

public static class ScheduleText
{
    public static string Describe(ScheduleDto schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var what = schedule switch
        {
            { Cron: { } cron } => $"cron {cron}" + (schedule.Timezone is { } tz ? $" ({tz})" : string.Empty),
            { IntervalSeconds: { } seconds } => "every " + Every(seconds),
            _ => "no rule",
        };
        return schedule.Active ? what : what + " (inactive)";
    }

    public static string Summary(IReadOnlyList<ScheduleDto> schedules)
    {
        ArgumentNullException.ThrowIfNull(schedules);
        return schedules.Count switch
        {
            0 => "None",
            1 => Describe(schedules[0]),
            _ => $"{schedules.Count} schedules",
        };
    }

    private static string Every(int seconds) => seconds switch
    {
        _ when seconds % 86_400 == 0 => Plural(seconds / 86_400, "day"),
        _ when seconds % 3_600 == 0 => Plural(seconds / 3_600, "hour"),
        _ when seconds % 60 == 0 => Plural(seconds / 60, "minute"),
        _ => Plural(seconds, "second"),
    };

    private static string Plural(int n, string unit) =>
        n == 1 ? unit : string.Create(CultureInfo.InvariantCulture, $"{n} {unit}s");
}
