using System.Globalization;

namespace Console.Contracts.Deployments;

/// <summary>A deployment's run policies in words, the same in the console and the CLI.</summary>
public static class RunPolicyText
{
    public static string Retries(RetryPolicyDto? retries)
    {
        if (retries is not { MaxRetries: > 0 })
        {
            return "none";
        }

        var text = string.Create(CultureInfo.InvariantCulture,
            $"up to {retries.MaxRetries} {(retries.MaxRetries == 1 ? "retry" : "retries")} on {string.Join(", ", retries.On)}, {retries.DelaySeconds} s apart");
        if (retries.BackoffFactor > 1)
        {
            text += string.Create(CultureInfo.InvariantCulture, $", x{retries.BackoffFactor:0.##} each time");
        }

        return retries.JitterPercent > 0 ? text + string.Create(CultureInfo.InvariantCulture, $", ±{retries.JitterPercent}%") : text;
    }

    public static string Late(LatePolicyDto? late)
    {
        var parts = new List<string>();
        if (late?.SkipAfterSeconds is { } after)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"skip runs more than {after} s late"));
        }

        if (late?.MaxScheduled is { } max)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"keep at most {max} waiting"));
        }

        return parts.Count == 0 ? "none" : string.Join("; ", parts);
    }
}
