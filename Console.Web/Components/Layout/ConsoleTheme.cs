using MudBlazor;

namespace Console.Web.Components.Layout;

/// <summary>The console's palette; system fonts only (no web fonts: it must work offline).</summary>
public static class ConsoleTheme
{
    private static readonly string[] SystemFonts =
        ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"];

    public static MudTheme Theme { get; } = new()
    {
        // Every text colour meets WCAG AA (4.5:1) on its background in both themes: MudBlazor's
        // default error, info, warning and success tones, and the dark theme's secondary text and
        // white-on-light-blue buttons, do not (the accessibility test audits every page with axe-core).
        PaletteLight = new PaletteLight
        {
            Primary = "#2B5FD9",
            AppbarBackground = "#1F2A44",
            AppbarText = "#FFFFFF",
            Error = "#C62828",
            Info = "#0A5CA8",
            Warning = "#8A5300",
            Success = "#1B7A36",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#7AA2FF",
            PrimaryContrastText = "#0B1530",
            AppbarBackground = "#151B2C",
            TextSecondary = "rgba(255,255,255,0.72)",
            Error = "#FF8A80",
            ErrorContrastText = "#2A0A08",
            Info = "#90CAF9",
            InfoContrastText = "#04182B",
            Warning = "#FFB74D",
            WarningContrastText = "#2B1A00",
            Success = "#4CD68A",
            SuccessContrastText = "#05210F",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = SystemFonts },
        },
    };
}
