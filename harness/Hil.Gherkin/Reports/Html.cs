using System.Globalization;
using System.Net;

namespace Hil.Gherkin.Reports;

/// <summary>The report's one way to put text into HTML or SVG (everything a scenario, a node or the broker said is escaped) and to print numbers.</summary>
internal static class Html
{
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static string Css(Enum status) => status.ToString().ToLowerInvariant();

    /// <summary>A number with as many decimals as its size deserves (1234, 56.7, 0.89), culture-independent.</summary>
    public static string Number(double value) => value.ToString(Math.Abs(value) >= 100 ? "0" : Math.Abs(value) >= 10 ? "0.#" : "0.##", CultureInfo.InvariantCulture);

    public static string Milliseconds(TimeSpan time) => time.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";

    public static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
}
