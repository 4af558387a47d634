namespace Console.Core.FlowRuns;

/// <summary>
/// One interval a run waited for the same blocking reasons, recorded when the reasons change (not on
/// every poll) and closed when they change again or the run is claimed.
/// </summary>
public sealed class FlowRunWait
{
    public long Id { get; set; }
    public Guid FlowRunId { get; set; }
    public int Attempt { get; set; } = 1;
    public DateTime From { get; set; }
    public DateTime? To { get; set; }

    /// <summary>JSON array of the reasons' stable codes.</summary>
    public string Codes { get; set; } = "[]";

    /// <summary>JSON array of the reasons as the diagnosis worded them.</summary>
    public string Reasons { get; set; } = "[]";
}
