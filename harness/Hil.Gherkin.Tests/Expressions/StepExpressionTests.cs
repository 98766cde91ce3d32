using Hil.Gherkin.Expressions;

namespace Hil.Gherkin.Tests.Expressions;

public sealed class StepExpressionTests
{
    [TestCase("the node sends {int} readings", "the node sends 200 readings", new[] { "200" })]
    [TestCase("the temperature is {float} °C", "the temperature is -24.5 °C", new[] { "-24.5" })]
    [TestCase("the temperature is {float} °C", "the temperature is 24 °C", new[] { "24" })]
    [TestCase("the console shows {string}", "the console shows \"fw=3.0.0 protocol=3\"", new[] { "\"fw=3.0.0 protocol=3\"" })]
    [TestCase("a node on the {word} target", "a node on the qemu target", new[] { "qemu" })]
    [TestCase("{int} minute(s) pass", "1 minute pass", new[] { "1" })]
    [TestCase("{int} minute(s) pass", "5 minutes pass", new[] { "5" })]
    [TestCase("{int} minutes/hours pass", "3 hours pass", new[] { "3" })]
    [TestCase("the flap is at {int} %", "the flap is at 40 %", new[] { "40" })]
    [TestCase(@"a \(literal\) brace \{x}", "a (literal) brace {x}", new string[0])]
    [TestCase(@"^the node answers ""(.*)"" within (\d+) ms$", "the node answers \"ok\" within 50 ms", new[] { "ok", "50" })]
    public void Matches_and_captures(string expression, string text, string[] captures)
    {
        Assert.That(StepExpression.Parse(expression).Match(text), Is.EqualTo(captures));
    }

    [TestCase("the node sends {int} readings", "the node sends 2.5 readings")]
    [TestCase("the node sends {int} readings", "the node sends 200 readings now")]
    [TestCase("{int} minutes/hours pass", "3 days pass")]
    [TestCase("a node on the {word} target", "a node on the big qemu target")]
    public void Does_not_match(string expression, string text)
    {
        Assert.That(StepExpression.Parse(expression).Match(text), Is.Null);
    }

    [Test]
    public void Converts_captures_to_the_parameter_type()
    {
        StepExpression expression = StepExpression.Parse("{string} at {float} for {int} s");
        IReadOnlyList<string> captures = expression.Match("'x y' at 2.5 for 3 s")!;
        Assert.That(expression.Convert(0, captures[0], typeof(string)), Is.EqualTo("x y"));
        Assert.That(expression.Convert(1, captures[1], typeof(double)), Is.EqualTo(2.5));
        Assert.That(expression.Convert(2, captures[2], typeof(long)), Is.EqualTo(3L));
    }

    [Test]
    public void An_unknown_parameter_type_is_a_clear_error()
    {
        var error = Assert.Throws<FormatException>(() => StepExpression.Parse("a {color} node"));
        Assert.That(error!.Message, Does.Contain("Unknown parameter type {color}"));
    }
}
