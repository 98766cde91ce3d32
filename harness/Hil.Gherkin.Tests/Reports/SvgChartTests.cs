using System.Globalization;
using System.Xml.Linq;
using Hil.Gherkin.Bindings;
using Hil.Gherkin.Reports;

namespace Hil.Gherkin.Tests.Reports;

public sealed class SvgChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Test]
    public void Histogram_bins_are_equal_width_from_the_smallest_to_the_largest_value()
    {
        IReadOnlyList<HistogramBin> bins = Histogram.Bins([4, 1, 2, 3, 2, 3, 4, 3, 4, 4], 4);

        Assert.That(bins.Select(b => b.Count), Is.EqualTo(new[] { 1, 2, 3, 4 }));
        Assert.That(bins.Select(b => b.From), Is.EqualTo(new[] { 1, 1.75, 2.5, 3.25 }));
        Assert.That(bins[^1].To, Is.EqualTo(4), "the largest value is in the last bin");
    }

    [Test]
    public void Equal_values_make_one_bin_and_no_values_none()
    {
        Assert.That(Histogram.Bins([5, 5, 5], 10), Is.EqualTo(new[] { new HistogramBin(5, 5, 3) }));
        Assert.That(Histogram.Bins([], 10), Is.Empty);
        Assert.That(() => Histogram.Bins([1], 0), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Histogram_bars_stand_on_one_baseline_with_heights_in_proportion_to_their_counts()
    {
        XElement svg = XElement.Parse(SvgChart.Histogram([4, 1, 2, 3, 2, 3, 4, 3, 4, 4], "ms", bins: 4));

        XElement[] bars = svg.Elements(Svg + "rect").Where(r => (string?)r.Attribute("class") == "bar").ToArray();
        Assert.That(bars, Has.Length.EqualTo(4));
        double[] heights = bars.Select(b => Number(b, "height")).ToArray();
        Assert.That(heights[3], Is.EqualTo(SvgChart.PlotHeight).Within(0.01), "the fullest bin is the plot's height");
        Assert.That(heights, Is.EqualTo(new[] { 1, 2, 3, 4 }.Select(n => SvgChart.PlotHeight * n / 4)).Within(0.01));
        Assert.That(bars.Select(b => Number(b, "y") + Number(b, "height")).Distinct().Count(), Is.EqualTo(1), "one baseline");
        Assert.That(bars.Select(b => Number(b, "x")), Is.Ordered.Ascending);
        Assert.That(bars[1].Element(Svg + "title")!.Value, Is.EqualTo("1.75–2.5 ms: 2 samples"));
    }

    [Test]
    public void A_long_tail_is_cut_at_p99_and_its_values_make_one_overflow_bin()
    {
        double[] tail = Enumerable.Range(1, 99).Select(i => (double)i).Append(1000).ToArray();

        Assert.That(Histogram.TailCut(tail), Is.EqualTo(99));
        Assert.That(Histogram.TailCut(Enumerable.Range(1, 100).Select(i => (double)i).ToArray()), Is.Null, "no tail");
        Assert.That(Histogram.TailCut([1, 2, 1000]), Is.Null, "too few samples to call anything a tail");
        IReadOnlyList<HistogramBin> bins = Histogram.Bins(tail, 10, upTo: 99);
        Assert.That(bins, Has.Count.EqualTo(11));
        Assert.That(bins[^1], Is.EqualTo(new HistogramBin(99, 1000, 1, Overflow: true)));
        Assert.That(bins.Take(10).Select(b => b.Count), Is.All.InRange(9, 11));
        Assert.That(bins.Sum(b => b.Count), Is.EqualTo(100));
    }

    [Test]
    public void The_overflow_bar_stands_apart_at_the_right_with_its_range_in_its_title()
    {
        double[] tail = Enumerable.Range(1, 99).Select(i => (double)i).Append(1000).ToArray();

        XElement svg = XElement.Parse(SvgChart.Histogram(tail, "ms", bins: 10));

        XElement[] bars = svg.Elements(Svg + "rect").ToArray();
        Assert.That(bars.Select(b => (string?)b.Attribute("class")), Is.EqualTo(Enumerable.Repeat("bar", 10).Append("bar overflow")));
        double slot = SvgChart.PlotWidth / 12;
        Assert.That(Number(bars[10], "x") - Number(bars[9], "x"), Is.EqualTo(2 * slot).Within(0.01), "one empty slot between");
        Assert.That(bars[10].Element(Svg + "title")!.Value, Is.EqualTo("> 99 ms (to 1000): 1 sample"));
        Assert.That(svg.Elements(Svg + "text").Select(t => t.Value), Does.Contain("p99 99").And.Contain("1000"));
    }

    [Test]
    public void Time_series_spans_the_plot_with_values_scaled_from_zero_and_a_marker_line()
    {
        var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Sample[] samples = [new(at, 10), new(at.AddSeconds(1), 20), new(at.AddSeconds(2), 40)];

        XElement svg = XElement.Parse(SvgChart.TimeSeries(samples, "ms", marker: 30, markerLabel: "p95 30 ms"));

        (double X, double Y)[] points = svg.Element(Svg + "polyline")!.Attribute("points")!.Value.Split(' ')
            .Select(p => p.Split(',')).Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture))).ToArray();
        Assert.That(points, Has.Length.EqualTo(3));
        Assert.That(points[2].X - points[0].X, Is.EqualTo(SvgChart.PlotWidth).Within(0.01), "first to last sample spans the plot");
        Assert.That(points[1].X - points[0].X, Is.EqualTo(SvgChart.PlotWidth / 2).Within(0.01), "x is time");
        Assert.That(points[1].Y - points[2].Y, Is.EqualTo(SvgChart.PlotHeight / 2).Within(0.01), "20 is half-way down from 40 (the top) to 0");
        Assert.That(points[0].Y - points[1].Y, Is.EqualTo(SvgChart.PlotHeight / 4).Within(0.01));
        XElement marker = svg.Elements(Svg + "line").Single(l => (string?)l.Attribute("class") == "marker");
        Assert.That(Number(marker, "y1"), Is.EqualTo(points[2].Y + SvgChart.PlotHeight / 4).Within(0.01), "30 is a quarter down from 40");
        Assert.That(svg.Elements(Svg + "text").Select(t => t.Value), Does.Contain("p95 30 ms"));
        Assert.That(svg.Elements(Svg + "circle").Count(), Is.EqualTo(3), "a dot per sample");
    }

    [Test]
    public void Text_in_a_chart_is_escaped_and_the_chart_stays_well_formed()
    {
        string svg = SvgChart.Histogram([1, 2], "<ms & \"x\">");

        XElement parsed = XElement.Parse(svg);
        Assert.That(parsed.Attribute("aria-label")!.Value, Does.Contain("<ms & \"x\">"));
        Assert.That(svg, Does.Not.Contain("<ms &"));
    }

    [Test]
    public void A_chart_without_samples_says_so()
    {
        Assert.That(XElement.Parse(SvgChart.Histogram([], "ms")).Elements(Svg + "text").Select(t => t.Value), Does.Contain("no samples"));
        Assert.That(XElement.Parse(SvgChart.TimeSeries([], "ms")).Elements(Svg + "text").Select(t => t.Value), Does.Contain("no samples"));
    }

    private static double Number(XElement element, string attribute) => double.Parse(element.Attribute(attribute)!.Value, CultureInfo.InvariantCulture);
}
