using System.Text.Json;
using Console.Web.Hosting;
using Microsoft.Playwright;

namespace Console.Tests.Web.Browser;

/// <summary>
/// axe-core (npm, pinned in Console.Tests/package.json; scripts/test.sh installs it) injected into
/// the page by Playwright and run for WCAG 2 A and AA. Each violation comes back as one readable
/// line: rule, impact, help and the offending elements.
/// </summary>
public static class AxeAudit
{
    private static readonly Lazy<string> Script = new(() =>
    {
        var path = Path.Combine(ContentRoot.Find(), "Console.Tests", "node_modules", "axe-core", "axe.min.js");
        return File.Exists(path)
            ? File.ReadAllText(path)
            : throw new InvalidOperationException(
                $"axe-core not found at {path}: run scripts/test.sh, whose ensure_axe runs 'npm ci' in Console.Tests");
    });

    private const string Run = """
        async () => {
            const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] }, resultTypes: ['violations'] });
            return result.violations.map(v => `${v.id} (${v.impact}): ${v.help} -> ` +
                v.nodes.slice(0, 5).map(n => `${n.target.join(' ')} [${(n.failureSummary || '').replace(/\s+/g, ' ')}]`).join(' | '));
        }
        """;

    /// <summary>The page's WCAG 2 A/AA violations, as lines; empty when there is none.</summary>
    public static async Task<IReadOnlyList<string>> ViolationsAsync(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.AddScriptTagAsync(new PageAddScriptTagOptions { Content = Script.Value });
        }

        var lines = await page.EvaluateAsync<JsonElement>(Run);
        return [.. lines.EnumerateArray().Select(l => l.GetString() ?? string.Empty)];
    }
}
