using System.Globalization;
using System.Text;

namespace Console.Bench.Infra;

/// <summary>A small SVG plotter for the charts in docs/benchmarks (lines, steps, markers, bars; linear or log x).</summary>
internal sealed class SvgChart
{
    private const int Left = 78;
    private const int Right = 24;
    private const int Top = 48;
    private const int Bottom = 64;

    public static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

    public required string Title { get; init; }

    public required string XLabel { get; init; }

    public required string YLabel { get; init; }

    public bool LogX { get; init; }

    public double? XMin { get; set; }

    public double? XMax { get; set; }

    public double? YMin { get; set; }

    public double? YMax { get; set; }

    public Func<double, string> XFormat { get; init; } = v => Num(v);

    public Func<double, string> YFormat { get; init; } = v => Num(v);

    public List<ChartSeries> Series { get; } = [];

    public List<(double Value, string Label)> VerticalLines { get; } = [];

    public List<(double Value, string Label)> HorizontalLines { get; } = [];

    public string? Footnote { get; set; }

    public void Save(string path, int width = 820, int height = 480)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, Render(width, height));
    }

    public string Render(int width, int height)
    {
        var points = Series.SelectMany(s => s.Points).ToList();
        var xs = points.Select(p => p.X).Where(x => !LogX || x > 0).ToList();
        var xmin = XMin ?? (xs.Count > 0 ? xs.Min() : 0);
        var xmax = XMax ?? (xs.Count > 0 ? xs.Max() : 1);
        var ymin = YMin ?? Math.Min(0, points.Count > 0 ? points.Min(p => p.Y) : 0);
        var ymax = YMax ?? (points.Count > 0 ? points.Max(p => p.Y) * 1.08 : 1);
        if (LogX)
        {
            xmin = Math.Pow(10, Math.Floor(Math.Log10(xmin)));
            xmax = Math.Pow(10, Math.Ceiling(Math.Log10(xmax)));
        }

        if (xmax <= xmin)
        {
            xmax = xmin + 1;
        }

        if (ymax <= ymin)
        {
            ymax = ymin + 1;
        }

        var pw = width - Left - Right;
        var ph = height - Top - Bottom;
        double X(double v) => Left + (LogX
            ? (Math.Log10(Math.Max(v, xmin)) - Math.Log10(xmin)) / (Math.Log10(xmax) - Math.Log10(xmin)) * pw
            : (v - xmin) / (xmax - xmin) * pw);
        double Y(double v) => Top + ph - ((Math.Clamp(v, ymin, ymax) - ymin) / (ymax - ymin) * ph);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{Esc(Title)}</text>\n");

        // Grid and ticks.
        foreach (var t in LogX ? LogTicks(xmin, xmax) : NiceTicks(xmin, xmax))
        {
            var x = X(t);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x)}\" y1=\"{Top}\" x2=\"{F(x)}\" y2=\"{Top + ph}\" stroke=\"#e5e5e5\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x)}\" y=\"{Top + ph + 16}\" text-anchor=\"middle\">{Esc(XFormat(t))}</text>\n");
        }

        foreach (var t in NiceTicks(ymin, ymax))
        {
            var y = Y(t);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{F(y)}\" x2=\"{Left + pw}\" y2=\"{F(y)}\" stroke=\"#e5e5e5\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{Esc(YFormat(t))}</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#888\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + (pw / 2)}\" y=\"{height - 24}\" text-anchor=\"middle\">{Esc(XLabel)}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(18,{Top + (ph / 2)}) rotate(-90)\" text-anchor=\"middle\">{Esc(YLabel)}</text>\n");

        foreach (var (value, label) in VerticalLines)
        {
            var x = X(value);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x)}\" y1=\"{Top}\" x2=\"{F(x)}\" y2=\"{Top + ph}\" stroke=\"#555\" stroke-dasharray=\"5,4\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x + 4)}\" y=\"{Top + 14}\" fill=\"#555\" font-size=\"11\">{Esc(label)}</text>\n");
        }

        foreach (var (value, label) in HorizontalLines)
        {
            var y = Y(value);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{F(y)}\" x2=\"{Left + pw}\" y2=\"{F(y)}\" stroke=\"#555\" stroke-dasharray=\"5,4\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + 6}\" y=\"{F(y - 5)}\" fill=\"#555\" font-size=\"11\">{Esc(label)}</text>\n");
        }

        for (var i = 0; i < Series.Count; i++)
        {
            var s = Series[i];
            var color = s.Color ?? Palette[i % Palette.Length];
            var pts = s.Points.Where(p => !LogX || p.X > 0).ToList();
            switch (s.Style)
            {
                case SeriesStyle.Bars:
                    var bw = s.BarWidth;
                    foreach (var (px, py) in pts)
                    {
                        var x0 = X(px - (bw / 2));
                        var x1 = X(px + (bw / 2));
                        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(x0)}\" y=\"{F(Y(py))}\" width=\"{F(Math.Max(1, x1 - x0 - 1))}\" height=\"{F(Top + ph - Y(py))}\" fill=\"{color}\" fill-opacity=\"0.75\"/>\n");
                    }

                    break;
                default:
                    if (pts.Count == 0)
                    {
                        break;
                    }

                    var path = new StringBuilder();
                    for (var j = 0; j < pts.Count; j++)
                    {
                        var (px, py) = pts[j];
                        if (s.Style == SeriesStyle.Step && j > 0)
                        {
                            path.Append(CultureInfo.InvariantCulture, $" L{F(X(px))},{F(Y(pts[j - 1].Y))}");
                        }

                        path.Append(CultureInfo.InvariantCulture, $"{(j == 0 ? "M" : " L")}{F(X(px))},{F(Y(py))}");
                    }

                    svg.Append(CultureInfo.InvariantCulture, $"<path d=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{(s.Dashed ? " stroke-dasharray=\"6,3\"" : "")}/>\n");
                    if (s.Markers)
                    {
                        foreach (var (px, py) in pts)
                        {
                            svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(X(px))}\" cy=\"{F(Y(py))}\" r=\"3.5\" fill=\"{color}\"/>\n");
                        }
                    }

                    break;
            }
        }

        // Legend.
        var ly = Top + 10;
        var legendWidth = Series.Count == 0 ? 0 : (Series.Max(x => x.Name.Length) * 6.6) + 30;
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(Left + pw - legendWidth - 8)}\" y=\"{Top + 2}\" width=\"{F(legendWidth + 4)}\" height=\"{(Series.Count * 18) + 6}\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>\n");
        foreach (var (s, i) in Series.Select((s, i) => (s, i)))
        {
            var color = s.Color ?? Palette[i % Palette.Length];
            var lx = Left + pw - legendWidth - 2;
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(lx)}\" y=\"{ly + (i * 18) - 9}\" width=\"14\" height=\"10\" fill=\"{color}\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(lx + 20)}\" y=\"{ly + (i * 18)}\">{Esc(s.Name)}</text>\n");
        }

        if (Footnote is not null)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"{height - 6}\" fill=\"#666\" font-size=\"10\">{Esc(Footnote)}</text>\n");
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    public static string Num(double v) =>
        Math.Abs(v) >= 1000 ? v.ToString("#,0", CultureInfo.InvariantCulture)
        : Math.Abs(v) >= 10 || v == Math.Round(v) ? v.ToString("0", CultureInfo.InvariantCulture)
        : v.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Milliseconds as "5 ms", "1 s", "10 s".</summary>
    public static string MsLabel(double ms) =>
        ms >= 1000 ? Num(ms / 1000) + " s" : Num(ms) + " ms";

    /// <summary>Empirical CDF points (x sorted, y in percent).</summary>
    public static List<(double X, double Y)> Cdf(IReadOnlyList<double> sorted)
    {
        var points = new List<(double, double)>(sorted.Count + 1);
        for (var i = 0; i < sorted.Count; i++)
        {
            points.Add((sorted[i], (i + 1) * 100.0 / sorted.Count));
        }

        return points;
    }

    /// <summary>Histogram bar centres and counts with the given bin width.</summary>
    public static List<(double X, double Y)> Histogram(IEnumerable<double> values, double binWidth, double max)
    {
        var bins = new SortedDictionary<int, int>();
        foreach (var v in values)
        {
            var b = (int)Math.Floor(Math.Min(v, max) / binWidth);
            bins[b] = bins.GetValueOrDefault(b) + 1;
        }

        return [.. bins.Select(kv => ((kv.Key + 0.5) * binWidth, (double)kv.Value))];
    }

    private static IEnumerable<double> NiceTicks(double min, double max)
    {
        var range = max - min;
        var rough = range / 6;
        var mag = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * mag).First(s => s >= rough);
        for (var t = Math.Ceiling(min / step) * step; t <= max + (step * 1e-9); t += step)
        {
            yield return Math.Round(t, 10);
        }
    }

    private static IEnumerable<double> LogTicks(double min, double max)
    {
        for (var t = min; t <= max * 1.0001; t *= 10)
        {
            yield return t;
        }
    }

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Esc(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}

internal enum SeriesStyle
{
    Line,
    Step,
    Bars,
}

internal sealed class ChartSeries
{
    public required string Name { get; init; }

    public List<(double X, double Y)> Points { get; init; } = [];

    public SeriesStyle Style { get; init; } = SeriesStyle.Line;

    public bool Markers { get; init; }

    public bool Dashed { get; init; }

    public double BarWidth { get; init; } = 1;

    public string? Color { get; init; }
}
