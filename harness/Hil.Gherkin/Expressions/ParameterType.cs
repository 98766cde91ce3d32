using System.Globalization;

namespace Hil.Gherkin.Expressions;

/// <summary>A Cucumber expression parameter type: the text it matches and how its capture becomes a value.</summary>
public sealed record ParameterType(string Name, string Pattern, Func<string, Type, object> Convert)
{
    public static readonly ParameterType Int = new("int", @"-?\d+", (text, type) => ChangeType(text, type));
    public static readonly ParameterType Float = new("float", @"-?(?:\d+\.?\d*|\.\d+)", (text, type) => ChangeType(text, type));
    public static readonly ParameterType Word = new("word", @"[^\s]+", (text, type) => ChangeType(text, type));
    public static readonly ParameterType String = new("string", "\"[^\"]*\"|'[^']*'", (text, type) => ChangeType(text[1..^1], type));
    public static readonly ParameterType Anonymous = new("", ".*", (text, type) => ChangeType(text, type));

    public static IReadOnlyList<ParameterType> BuiltIn { get; } = [Int, Float, Word, String, Anonymous];

    /// <summary>Converts captured text to a step method's parameter type (numbers in invariant culture).</summary>
    public static object ChangeType(string text, Type type)
    {
        Type target = Nullable.GetUnderlyingType(type) ?? type;
        if (target == typeof(string)) return text;
        if (target.IsEnum) return Enum.Parse(target, text, ignoreCase: true);
        if (target == typeof(TimeSpan)) return TimeSpan.Parse(text, CultureInfo.InvariantCulture);
        return System.Convert.ChangeType(text, target, CultureInfo.InvariantCulture);
    }
}
