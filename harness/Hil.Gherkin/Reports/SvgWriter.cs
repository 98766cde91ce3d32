using System.Globalization;
using System.Text;

namespace Hil.Gherkin.Reports;

/// <summary>
/// A small writer of inline SVG (the report's charts need no script or library): shapes and text with a CSS class,
/// coordinates printed culture-independently, every text and title escaped. The result is well-formed XML.
/// </summary>
internal sealed class SvgWriter
{
    private readonly StringBuilder _svg = new();

    public SvgWriter(double width, double height, string cssClass, string label)
    {
        _svg.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"").Append(Html.E(cssClass)).Append("\" width=\"").Append(N(width))
            .Append("\" height=\"").Append(N(height)).Append("\" viewBox=\"0 0 ").Append(N(width)).Append(' ').Append(N(height))
            .Append("\" role=\"img\" aria-label=\"").Append(Html.E(label)).Append("\">");
    }

    /// <summary>A rectangle; <paramref name="title"/> is the tooltip a reader sees on hovering it.</summary>
    public SvgWriter Rect(double x, double y, double width, double height, string cssClass, string? title = null)
    {
        _svg.Append("<rect class=\"").Append(Html.E(cssClass)).Append("\" x=\"").Append(N(x)).Append("\" y=\"").Append(N(y))
            .Append("\" width=\"").Append(N(width)).Append("\" height=\"").Append(N(height)).Append('"');
        return Close("rect", title);
    }

    public SvgWriter Line(double x1, double y1, double x2, double y2, string cssClass)
    {
        _svg.Append("<line class=\"").Append(Html.E(cssClass)).Append("\" x1=\"").Append(N(x1)).Append("\" y1=\"").Append(N(y1))
            .Append("\" x2=\"").Append(N(x2)).Append("\" y2=\"").Append(N(y2)).Append("\"/>");
        return this;
    }

    public SvgWriter Polyline(IEnumerable<(double X, double Y)> points, string cssClass)
    {
        _svg.Append("<polyline class=\"").Append(Html.E(cssClass)).Append("\" points=\"")
            .AppendJoin(' ', points.Select(p => N(p.X) + "," + N(p.Y))).Append("\"/>");
        return this;
    }

    public SvgWriter Circle(double x, double y, double radius, string cssClass, string? title = null)
    {
        _svg.Append("<circle class=\"").Append(Html.E(cssClass)).Append("\" cx=\"").Append(N(x)).Append("\" cy=\"").Append(N(y))
            .Append("\" r=\"").Append(N(radius)).Append('"');
        return Close("circle", title);
    }

    /// <summary>Text at (x, y); <paramref name="anchor"/> is start, middle or end.</summary>
    public SvgWriter Text(double x, double y, string text, string cssClass, string anchor = "start")
    {
        _svg.Append("<text class=\"").Append(Html.E(cssClass)).Append("\" x=\"").Append(N(x)).Append("\" y=\"").Append(N(y))
            .Append("\" text-anchor=\"").Append(anchor).Append("\">").Append(Html.E(text)).Append("</text>");
        return this;
    }

    public override string ToString() => _svg + "</svg>";

    private SvgWriter Close(string element, string? title)
    {
        if (title is null) _svg.Append("/>");
        else _svg.Append("><title>").Append(Html.E(title)).Append("</title></").Append(element).Append('>');
        return this;
    }

    private static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
