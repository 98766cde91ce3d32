using Hil.Gherkin.Expressions;

namespace Hil.Gherkin.Tests.Expressions;

public sealed class TagExpressionTests
{
    [TestCase("@smoke", "@smoke", true)]
    [TestCase("@smoke", "@slow", false)]
    [TestCase("smoke", "@smoke", true)]
    [TestCase("not @slow", "@smoke", true)]
    [TestCase("not @slow", "@smoke @slow", false)]
    [TestCase("@smoke and not @slow", "@smoke", true)]
    [TestCase("@smoke and not @slow", "@smoke @slow", false)]
    [TestCase("@a or @b and @c", "@a", true)]
    [TestCase("(@a or @b) and @c", "@a", false)]
    [TestCase("not (@a or @b)", "@c", true)]
    [TestCase("not not @a", "@a", true)]
    [TestCase("", "", true)]
    public void Evaluates(string expression, string tags, bool expected)
    {
        Assert.That(TagExpression.Parse(expression).Matches(tags.Split(' ', StringSplitOptions.RemoveEmptyEntries)), Is.EqualTo(expected));
    }

    [TestCase("@a and", "ends where a tag")]
    [TestCase("(@a or @b", "without its ')'")]
    [TestCase("@a @b", "after a complete expression")]
    [TestCase("and @a", "has 'and' where a tag was expected")]
    public void Malformed_expressions_say_what_is_wrong(string expression, string message)
    {
        var error = Assert.Throws<FormatException>(() => TagExpression.Parse(expression));
        Assert.That(error!.Message, Does.Contain(message).And.Contain(expression));
    }
}
