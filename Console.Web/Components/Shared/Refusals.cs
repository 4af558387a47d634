using Console.Contracts.Common;

namespace Console.Web.Components.Shared;

/// <summary>
/// A write the server refused (403 role, 404 gone, 409 conflict, 400/422 rules) reaches the UI as a
/// ConsoleException; its words are what the person reads, in a snackbar or next to the form.
/// Anything else is a bug and is left to the error boundary.
/// </summary>
public static class Refusals
{
    public static string Message(ConsoleException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        var fields = refusal.Errors.SelectMany(e => e.Value).Where(m => m != refusal.Message).ToList();
        return fields.Count == 0 ? refusal.Message : $"{refusal.Message} {string.Join(" ", fields)}";
    }
}
