using MudBlazor;

namespace Console.Web.Components.Layout;

/// <summary>The console's palette; system fonts only (no web fonts: it must work offline).</summary>
public static class ConsoleTheme
{
    private static readonly string[] SystemFonts =
        ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"];

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#2B5FD9",
            AppbarBackground = "#1F2A44",
            AppbarText = "#FFFFFF",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#7AA2FF",
            AppbarBackground = "#151B2C",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = SystemFonts },
        },
    };
}
