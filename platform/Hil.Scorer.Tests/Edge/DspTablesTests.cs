using System.Text.RegularExpressions;
using Hil.Harness.Support;
using Hil.Scorer.Edge;

namespace Hil.Scorer.Tests.Edge;

/// <summary>The C# constants are the firmware's, bit for bit (firmware/core/dsp_tables.h).</summary>
public sealed class DspTablesTests
{
    private static readonly string Header = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "firmware", "core", "dsp_tables.h"));

    [Test]
    public void The_quarter_wave_cosine_table_matches_the_header()
    {
        string body = Regex.Match(Header, @"dsp_cos_quarter\[\d+\] = \{(.*?)\};", RegexOptions.Singleline).Groups[1].Value;
        float[] fromHeader = Regex.Matches(body, @"-?0x[0-9a-f.]+p[-+]\d+f").Select(m => ModelHeader.ParseLiteral(m.Value)).ToArray();
        Assert.That(fromHeader, Has.Length.EqualTo(129));
        Assert.That(Bits(DspTables.CosQuarter), Is.EqualTo(Bits(fromHeader)));
    }

    [Test]
    public void The_filter_coefficients_match_the_header()
    {
        string[] names = ["DSP_HP_B0", "DSP_HP_B1", "DSP_HP_B2", "DSP_HP_A1", "DSP_HP_A2", "DSP_LP_B0", "DSP_LP_B1", "DSP_LP_B2",
            "DSP_LP_A1", "DSP_LP_A2", "DSP_LP1_B0", "DSP_LP1_B1", "DSP_LP1_A1"];
        float[] expected = names.Select(Define).ToArray();
        float[] actual = [.. DspTables.HighPass, .. DspTables.LowPass, .. DspTables.LowPassFirstOrder];
        Assert.That(Bits(actual), Is.EqualTo(Bits(expected)));
    }

    [Test]
    public void The_history_constants_match_the_firmware()
    {
        string dsp = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "firmware", "core", "dsp.h"));
        int Defined(string name) => int.Parse(Regex.Match(dsp, $@"#define {name} (\d+)").Groups[1].Value);
        Assert.That(Defined("DSP_RMS_HISTORY"), Is.EqualTo(DspTables.RmsHistory));
        Assert.That(Defined("DSP_TRUSTED_HISTORY"), Is.EqualTo(DspTables.TrustedHistory));
    }

    [Test]
    public void Hex_float_literals_parse_exactly()
    {
        Assert.That(ModelHeader.ParseLiteral("0x1p+0f"), Is.EqualTo(1f));
        Assert.That(ModelHeader.ParseLiteral("-0x1.8p-1f"), Is.EqualTo(-0.75f));
        Assert.That(ModelHeader.ParseLiteral("0x0p+0f"), Is.EqualTo(0f));
        Assert.That(ModelHeader.ParseLiteral("0.0078125f"), Is.EqualTo(1f / 128));
    }

    private static float Define(string name) =>
        ModelHeader.ParseLiteral(Regex.Match(Header, $@"#define {name} (\S+)").Groups[1].Value);

    private static uint[] Bits(float[] values) => values.Select(BitConverter.SingleToUInt32Bits).ToArray();
}
