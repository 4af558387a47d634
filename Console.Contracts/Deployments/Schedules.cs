using Console.Contracts;
using Console.Contracts.Common;
using Cronos;

namespace Console.Contracts.Deployments;

/// <summary>Validates schedules and lists their occurrences (cron through Cronos, intervals from an anchor).</summary>
public static class Schedules
{
    public static void Validate(IReadOnlyList<ScheduleDto>? schedules)
    {
        if (schedules is null)
        {
            return;
        }

        for (var i = 0; i < schedules.Count; i++)
        {
            var s = schedules[i];
            var field = $"schedules[{i}]";
            if (s is null)
            {
                throw new InvalidRequestException(field, "A schedule cannot be null.");
            }

            if ((s.Cron is null) == (s.IntervalSeconds is null))
            {
                throw new InvalidRequestException(field, "A schedule has either 'cron' or 'intervalSeconds', not both nor neither.");
            }

            if (s.IntervalSeconds is < 1)
            {
                throw new InvalidRequestException($"{field}.intervalSeconds", "The interval must be at least 1 second.");
            }

            if (s.Cron is not null)
            {
                ParseCron(s.Cron, $"{field}.cron");
            }

            TimeZone(s.Timezone, $"{field}.timezone");
        }
    }

    /// <summary>Occurrences strictly after <paramref name="from"/> up to and including <paramref name="to"/>.</summary>
    public static IEnumerable<DateTime> Occurrences(ScheduleDto schedule, DateTime anchor, DateTime from, DateTime to)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (schedule.Cron is not null)
        {
            var cron = ParseCron(schedule.Cron, "cron");
            var zone = TimeZone(schedule.Timezone, "timezone");
            return cron.GetOccurrences(DateTime.SpecifyKind(from, DateTimeKind.Utc), DateTime.SpecifyKind(to, DateTimeKind.Utc), zone, fromInclusive: false, toInclusive: true);
        }

        return IntervalOccurrences(schedule.AnchorDate ?? anchor, TimeSpan.FromSeconds(schedule.IntervalSeconds ?? 60), from, to);
    }

    public static IEnumerable<DateTime> Next(ScheduleDto schedule, DateTime anchor, DateTime from, int count) =>
        Occurrences(schedule, anchor, from, from.AddYears(5)).Take(count);

    private static IEnumerable<DateTime> IntervalOccurrences(DateTime anchor, TimeSpan interval, DateTime from, DateTime to)
    {
        var steps = from <= anchor ? 0 : (long)Math.Floor((from - anchor) / interval) + 1;
        for (var t = anchor + (interval * steps); t <= to; t += interval)
        {
            if (t > from)
            {
                yield return DateTime.SpecifyKind(t, DateTimeKind.Utc);
            }
        }
    }

    private static CronExpression ParseCron(string expression, string field)
    {
        var parts = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            return CronExpression.Parse(expression, parts == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException ex)
        {
            throw new InvalidRequestException(field, $"'{expression}' is not a valid cron expression: {ex.Message}");
        }
    }

    private static TimeZoneInfo TimeZone(string? id, string field)
    {
        if (string.IsNullOrEmpty(id))
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException)
        {
            throw new InvalidRequestException(field, $"Unknown time zone '{id}'.");
        }
    }
}
