using Hil.Simulators.Modem;

namespace Hil.Simulators.Tests.Modem;

public sealed class AtArgumentsTests
{
    [Test]
    public void Strings_with_escapes_and_bare_integers_are_parsed()
    {
        IReadOnlyList<AtValue>? args = AtArguments.Parse("0,\"dev/a\\\"b\\,c\",42,\"\"");

        Assert.That(args, Is.Not.Null);
        Assert.That(args!.Select(a => a.Text), Is.EqualTo(new[] { "0", "dev/a\"b,c", "42", "" }));
        Assert.That(args.Select(a => a.IsString), Is.EqualTo(new[] { false, true, false, true }));
        Assert.That(args[2].AsInt(), Is.EqualTo(42));
        Assert.That(args[1].AsInt(), Is.Null);
    }

    [TestCase("\"unterminated")]
    [TestCase("\"a\"b,1")]
    [TestCase("1,2\"")]
    public void Malformed_lists_are_refused(string text)
    {
        Assert.That(AtArguments.Parse(text), Is.Null);
    }
}
