using Hil.Gherkin.Bindings;

namespace Hil.Gherkin.Reports;

/// <summary>The report's two charts of a measurement, as inline SVG: the distribution (a histogram) and the samples over time.</summary>
public static class SvgChart
{
    public const double Width = 420, Height = 200;
    private const double Left = 52, Right = 14, Top = 14, Bottom = 36;
    public const double PlotWidth = Width - Left - Right, PlotHeight = Height - Top - Bottom;

    /// <summary>
    /// Equal-width bins from the smallest to the largest value; the fullest bar is the plot's full height. A long tail
    /// (<see cref="Reports.Histogram.TailCut"/>) is cut at p99 and its values drawn as one overflow bar at the right.
    /// </summary>
    public static string Histogram(IReadOnlyList<double> values, string unit, int? bins = null)
    {
        var svg = new SvgWriter(Width, Height, "chart histogram", $"histogram of {values.Count} samples ({unit})");
        Frame(svg, "samples", unit);
        double? cut = Reports.Histogram.TailCut(values);
        IReadOnlyList<HistogramBin> histogram = Reports.Histogram.Bins(values, bins ?? Reports.Histogram.BinCountFor(values.Count), cut);
        if (histogram.Count == 0) return svg.Text(Left + PlotWidth / 2, Top + PlotHeight / 2, "no samples", "label", "middle").ToString();
        int most = histogram.Max(b => b.Count);
        // The overflow bar stands one empty slot apart from the others: its width is not to scale.
        int slots = histogram.Count + (cut is null ? 0 : 1);
        double slot = PlotWidth / slots;
        for (int i = 0; i < histogram.Count; i++)
        {
            HistogramBin bin = histogram[i];
            double height = PlotHeight * bin.Count / most;
            double x = Left + (bin.Overflow ? slots - 1 : i) * slot;
            string samples = $"{bin.Count} sample{(bin.Count == 1 ? "" : "s")}";
            svg.Rect(x + 0.5, Top + PlotHeight - height, Math.Max(1, slot - 1), height, bin.Overflow ? "bar overflow" : "bar",
                bin.Overflow ? $"> {Html.Number(bin.From)} {unit} (to {Html.Number(bin.To)}): {samples}" : $"{Html.Number(bin.From)}–{Html.Number(bin.To)} {unit}: {samples}");
        }
        if (cut is double p99)
            svg.Text(Left + (slots - 2) * slot, Height - Bottom + 14, $"p99 {Html.Number(p99)}", "label", "middle");
        return svg.Text(Left, Height - Bottom + 14, Html.Number(histogram[0].From), "label", "start")
            .Text(Left + PlotWidth, Height - Bottom + 14, Html.Number(histogram[^1].To), "label", "end")
            .Text(Left - 6, Top + 10, most.ToString(System.Globalization.CultureInfo.InvariantCulture), "label", "end")
            .Text(Left - 6, Top + PlotHeight, "0", "label", "end").ToString();
    }

    /// <summary>Each sample's value against its time since the first; <paramref name="marker"/> draws a dashed line (a percentile) across.</summary>
    public static string TimeSeries(IReadOnlyList<Sample> samples, string unit, double? marker = null, string? markerLabel = null)
    {
        var svg = new SvgWriter(Width, Height, "chart timeseries", $"{samples.Count} samples over time ({unit})");
        Frame(svg, unit, "s");
        if (samples.Count == 0) return svg.Text(Left + PlotWidth / 2, Top + PlotHeight / 2, "no samples", "label", "middle").ToString();
        DateTimeOffset first = samples.Min(s => s.At);
        double span = Math.Max(samples.Max(s => (s.At - first).TotalSeconds), 1e-9);
        double low = Math.Min(0, samples.Min(s => s.Value)), high = Math.Max(samples.Max(s => s.Value), marker ?? double.MinValue);
        if (high <= low) high = low + 1;
        double X(Sample s) => Left + PlotWidth * (s.At - first).TotalSeconds / span;
        double Y(double value) => Top + PlotHeight * (high - value) / (high - low);
        Sample[] ordered = samples.OrderBy(s => s.At).ToArray();
        svg.Polyline(ordered.Select(s => (X(s), Y(s.Value))), "series");
        foreach (Sample s in ordered) svg.Circle(X(s), Y(s.Value), 1.8, "point", $"{Html.Number((s.At - first).TotalSeconds)} s: {Html.Number(s.Value)} {unit}");
        if (marker is double m)
            svg.Line(Left, Y(m), Left + PlotWidth, Y(m), "marker").Text(Left + PlotWidth - 2, Y(m) - 3, markerLabel ?? Html.Number(m), "label marker-label", "end");
        return svg.Text(Left, Height - Bottom + 14, "0", "label", "start")
            .Text(Left + PlotWidth, Height - Bottom + 14, Html.Number(span), "label", "end")
            .Text(Left - 6, Top + 10, Html.Number(high), "label", "end")
            .Text(Left - 6, Top + PlotHeight, Html.Number(low), "label", "end").ToString();
    }

    // The axes and what they count: y on the left, x along the bottom.
    private static void Frame(SvgWriter svg, string yTitle, string xTitle)
    {
        svg.Line(Left, Top, Left, Top + PlotHeight, "axis").Line(Left, Top + PlotHeight, Left + PlotWidth, Top + PlotHeight, "axis")
            .Text(Left + PlotWidth / 2, Height - 6, xTitle, "label axis-title", "middle")
            .Text(4, Top + PlotHeight / 2, yTitle, "label axis-title", "start");
    }
}
