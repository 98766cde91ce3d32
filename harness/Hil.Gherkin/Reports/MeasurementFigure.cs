using System.Text;
using Hil.Gherkin.Bindings;

namespace Hil.Gherkin.Reports;

/// <summary>A measurement in the HTML report: its percentiles, its histogram and its time series (with the p95 line).</summary>
internal static class MeasurementFigure
{
    public static void Append(StringBuilder html, Measurement measurement)
    {
        html.Append("<figure class=\"measurement\"><figcaption><b>").Append(Html.E(measurement.Name)).Append("</b> ");
        if (measurement.Samples.Count == 0)
        {
            html.Append("no samples</figcaption></figure>\n");
            return;
        }
        double p95 = measurement.Percentile(95);
        string unit = Html.E(measurement.Unit);
        html.Append("n=").Append(measurement.Samples.Count)
            .Append(" · p50 ").Append(Html.Number(measurement.Percentile(50))).Append(' ').Append(unit)
            .Append(" · p95 ").Append(Html.Number(p95)).Append(' ').Append(unit)
            .Append(" · p99 ").Append(Html.Number(measurement.Percentile(99))).Append(' ').Append(unit)
            .Append(" · max ").Append(Html.Number(measurement.Values.Max())).Append(' ').Append(unit).Append("</figcaption>\n<div class=\"charts\">")
            .Append(SvgChart.Histogram(measurement.Values.ToArray(), measurement.Unit))
            .Append(SvgChart.TimeSeries(measurement.Samples, measurement.Unit, p95, $"p95 {Html.Number(p95)} {measurement.Unit}"))
            .Append("</div></figure>\n");
    }
}
