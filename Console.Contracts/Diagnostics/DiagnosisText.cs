using System.Text;

namespace Console.Contracts.Diagnostics;

/// <summary>
/// Plain-text rendering of a diagnosis for terminals (the CLI's <c>flow-run inspect</c>) and logs:
/// a heading, the start estimate of a waiting run (<c>~</c>), then one line per reason, blocking
/// reasons marked with <c>x</c>, context with <c>-</c>.
/// </summary>
public static class DiagnosisText
{
    public static string Render(DiagnosisDto diagnosis)
    {
        ArgumentNullException.ThrowIfNull(diagnosis);
        var text = new StringBuilder();
        text.Append(char.ToUpperInvariant(diagnosis.Subject[0])).Append(diagnosis.Subject.AsSpan(1))
            .Append(": ").Append(diagnosis.Status)
            .Append(" (checked ").Append(Durations.Time(diagnosis.CheckedAt)).Append(')').Append('\n');
        if (WaitText.Estimate(diagnosis, diagnosis.CheckedAt) is { } estimate)
        {
            text.Append("  ~ ").Append(char.ToUpperInvariant(estimate[0])).Append(estimate.AsSpan(1))
                .Append(diagnosis.EstimatedStartAt is { } at ? $" ({Durations.Time(at)})" : "")
                .Append(": ").Append(diagnosis.EstimateReason).Append('\n');
        }

        if (diagnosis.Reasons.Count == 0)
        {
            text.Append("  - ").Append(diagnosis.Summary).Append('\n');
        }

        foreach (var reason in diagnosis.Reasons)
        {
            text.Append("  ").Append(reason.Blocking ? 'x' : '-').Append(' ')
                .Append(reason.Message).Append(" [").Append(reason.Code).Append(']').Append('\n');
        }

        return text.ToString();
    }
}
