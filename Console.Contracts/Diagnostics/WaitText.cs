using System.Globalization;
using Console.Contracts.FlowRuns;

namespace Console.Contracts.Diagnostics;

/// <summary>
/// The start estimate and the wait history in one line each, for the run page, the Late badge and
/// <c>cx flow-run inspect</c>: "expected in about 3 min, 4th in line"; "waited 4 min 10 s: 3 min
/// for a slot of the pool limit, 1 min 10 s no worker online".
/// </summary>
public static class WaitText
{
    /// <summary>The estimate of a waiting run's diagnosis; null when the diagnosis has none to give (the run does not wait).</summary>
    public static string? Estimate(DiagnosisDto diagnosis, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(diagnosis);
        var place = diagnosis.QueuePosition is { } p ? $"{Ordinal(p)} in line" : null;
        if (diagnosis.EstimatedStartAt is { } at)
        {
            var when = at <= now ? "expected to start now" : $"expected in about {Durations.Format(at - now)}";
            return place is null ? when : $"{when}, {place}";
        }

        if (diagnosis.EstimateReason is null)
        {
            return null;
        }

        return "start time unknown" + (place is null ? "" : $" ({place})");
    }

    /// <summary>"waited 4 min 10 s: 3 min for a slot of the pool limit, 1 min 10 s no worker online"; null without any interval.</summary>
    public static string? Summary(IReadOnlyList<FlowRunWaitDto> waits, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(waits);
        if (waits.Count == 0)
        {
            return null;
        }

        var parts = new List<(string Phrase, TimeSpan Time)>();
        foreach (var wait in waits)
        {
            var phrase = Phrase(wait.Codes);
            var time = (wait.To ?? now) - wait.From;
            var i = parts.FindIndex(x => x.Phrase == phrase);
            if (i < 0)
            {
                parts.Add((phrase, time));
            }
            else
            {
                parts[i] = (phrase, parts[i].Time + time);
            }
        }

        var total = parts.Aggregate(TimeSpan.Zero, (sum, x) => sum + x.Time);
        var verb = waits[^1].To is null ? "waiting" : "waited";
        return $"{verb} {Durations.Format(total)}: " + string.Join(", ", parts.Select(x => $"{Durations.Format(x.Time)} {x.Phrase}"));
    }

    /// <summary>One interval's reasons in a few words.</summary>
    public static string Phrase(IEnumerable<string> codes) =>
        string.Join(" and ", codes.Select(Phrase).Distinct());

    private static string Phrase(string code) => code switch
    {
        DiagnosisCodes.PoolPaused => "pool paused",
        DiagnosisCodes.QueuePaused => "queue paused",
        DiagnosisCodes.NoWorker => "no worker online",
        DiagnosisCodes.WorkerUnhealthy => "workers unhealthy",
        DiagnosisCodes.PoolLimitFull => "for a slot of the pool limit",
        DiagnosisCodes.QueueLimitFull => "for a slot of the queue limit",
        DiagnosisCodes.DeploymentLimitFull => "for a slot of the deployment limit",
        DiagnosisCodes.AheadInLine => "behind other runs in line",
        DiagnosisCodes.AwaitingRetry => "for the retry delay",
        DiagnosisCodes.InfrastructureHeld => "for the last attempt's infrastructure",
        DiagnosisCodes.ScheduledInFuture => "until its scheduled start",
        _ => code,
    };

    public static string Ordinal(int n)
    {
        var suffix = (n % 100) is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" };
        return n.ToString(CultureInfo.InvariantCulture) + suffix;
    }
}
