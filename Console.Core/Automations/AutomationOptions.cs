using System.ComponentModel.DataAnnotations;

namespace Console.Core.Automations;

/// <summary>Events and automations (section "Automations", docs/automations.md).</summary>
public sealed class AutomationOptions
{
    public const string Section = "Automations";

    /// <summary>
    /// Webhooks may call loopback and private addresses. Off unless set, except in Development
    /// (and tests): otherwise a webhook could probe the console's own network.
    /// </summary>
    public bool? AllowPrivateNetworks { get; set; }

    /// <summary>Events (and deliveries) are deleted after this many days.</summary>
    [Range(1, 3650)]
    public int EventRetentionDays { get; set; } = 7;

    /// <summary>Attempts of one webhook delivery before it is given up (the first included).</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 6;

    /// <summary>The wait before the first retry; each further retry waits twice as long (with +/-20 % jitter): 20 s makes 6 attempts over about 10 minutes.</summary>
    [Range(0.05, 3600)]
    public double RetryBaseSeconds { get; set; } = 20;

    [Range(1, 300)]
    public int WebhookTimeoutSeconds { get; set; } = 10;

    /// <summary>How long a replica holds a delivery it works on; after a crash another takes it over then.</summary>
    [Range(5, 3600)]
    public int LeaseSeconds { get; set; } = 60;

    [Range(1, 1000)]
    public int MaxAutomations { get; set; } = 200;
}
