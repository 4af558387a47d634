using System.Globalization;
using Console.Contracts.Common;
using Console.Contracts;
using Console.Contracts.Deployments;

namespace Console.Web.Components.Wizard;

public enum ScheduleKind
{
    None,
    Interval,
    Cron,
}

/// <summary>Step 4: none, an interval or a cron schedule, checked by <see cref="Schedules.Validate"/> (the API's own check).</summary>
public sealed class ScheduleStep
{
    public ScheduleKind Kind { get; set; } = ScheduleKind.None;

    public string IntervalText { get; set; } = "3600";

    public string CronText { get; set; } = "0 * * * *";

    public string Timezone { get; set; } = string.Empty;

    public string? IntervalError { get; set; }

    public string? CronError { get; set; }

    public string? TimezoneError { get; set; }

    public ScheduleDto? ToSchedule() => Kind switch
    {
        ScheduleKind.Interval => new ScheduleDto
        {
            IntervalSeconds = int.TryParse(IntervalText.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : 0,
        },
        ScheduleKind.Cron => new ScheduleDto
        {
            Cron = CronText.Trim(),
            Timezone = string.IsNullOrWhiteSpace(Timezone) ? null : Timezone.Trim(),
        },
        _ => null,
    };

    public bool Check()
    {
        IntervalError = null;
        CronError = null;
        TimezoneError = null;
        if (Kind == ScheduleKind.Interval && !int.TryParse(IntervalText.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        {
            IntervalError = "Enter a whole number of seconds, e.g. 3600.";
            return false;
        }

        if (ToSchedule() is not { } schedule)
        {
            return true;
        }

        try
        {
            Schedules.Validate([schedule]);
            return true;
        }
        catch (InvalidRequestException ex)
        {
            ApplyErrors(ex.Errors, ex.Message);
            return false;
        }
    }

    /// <summary>The next occurrences of a valid schedule, from <paramref name="now"/>; empty when there is none or it is invalid.</summary>
    public IReadOnlyList<DateTime> NextOccurrences(DateTime now, int count = 5)
    {
        if (ToSchedule() is not { } schedule)
        {
            return [];
        }

        try
        {
            Schedules.Validate([schedule]);
            return [.. Schedules.Next(schedule, now, now, count)];
        }
        catch (InvalidRequestException)
        {
            return [];
        }
    }

    /// <summary>Puts the API's schedule errors on their fields.</summary>
    public void ApplyErrors(IReadOnlyDictionary<string, string[]> errors, string fallback)
    {
        ArgumentNullException.ThrowIfNull(errors);
        foreach (var (key, messages) in errors)
        {
            var message = string.Join(" ", messages);
            if (key.EndsWith(".timezone", StringComparison.Ordinal))
            {
                TimezoneError = message;
            }
            else if (key.EndsWith(".cron", StringComparison.Ordinal) || Kind == ScheduleKind.Cron)
            {
                CronError = message;
            }
            else
            {
                IntervalError = message;
            }
        }

        if (errors.Count == 0)
        {
            if (Kind == ScheduleKind.Cron)
            {
                CronError = fallback;
            }
            else
            {
                IntervalError = fallback;
            }
        }
    }
}
