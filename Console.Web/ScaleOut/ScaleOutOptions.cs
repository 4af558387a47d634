using System.ComponentModel.DataAnnotations;

namespace Console.Web.ScaleOut;

/// <summary>Several replicas sharing one Redis (section "ScaleOut"; active only with ConnectionStrings:Redis).</summary>
public sealed class ScaleOutOptions
{
    public const string Section = "ScaleOut";

    /// <summary>
    /// Prefix of every Redis channel this console uses (hub backplane and change feed), so several
    /// consoles can share one Redis without hearing each other. Replicas of one console share it.
    /// </summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9._:-]{1,100}$")]
    public string ChannelPrefix { get; set; } = "console";

    /// <summary>Longest pause between two attempts to reach Redis while it is down.</summary>
    [Range(1, 300)]
    public int MaxReconnectDelaySeconds { get; set; } = 30;
}
