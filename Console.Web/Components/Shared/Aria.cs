namespace Console.Web.Components.Shared;

public static class Aria
{
    /// <summary>Attributes that name a table for screen readers (MudTable's TableAttributes).</summary>
    public static Dictionary<string, object> Label(string label) => new(StringComparer.Ordinal) { ["aria-label"] = label };
}
