using Hil.Harness.Support;
using Hil.Scorer.Edge;
using Hil.Scorer.Training;

namespace Hil.Scorer.Tests.Edge;

public sealed class ModelHeaderTests
{
    private static readonly string HeaderPath = Path.Combine(RepositoryLayout.Root, ModelHeader.RepositoryPath);

    [Test]
    public void The_firmware_header_parses_into_the_network_shape()
    {
        BeeModel model = ModelHeader.Read(HeaderPath);
        Assert.That(model.Name, Does.StartWith(BeeModel.NamePrefix));
        Assert.That(model.W1, Has.Length.EqualTo(64 * 20));
        Assert.That(model.W3, Has.Length.EqualTo(2 * 32));
    }

    [Test]
    public void The_reference_answers_shipped_with_the_weights_are_what_the_network_gives()
    {
        BeeModel model = ModelHeader.Read(HeaderPath);
        string text = File.ReadAllText(Path.Combine(RepositoryLayout.Root, ModelReferenceHeader.RepositoryPath));
        Assert.That(ModelReferenceHeader.Version(text), Is.EqualTo(model.Version), "model_reference.h was written with another model");
        IReadOnlyList<ModelReferenceCase> cases = ModelReferenceHeader.Parse(text);
        var network = new BeeNetwork(model);
        foreach (ModelReferenceCase c in cases)
        {
            NetworkResult r = network.Run(c.Inputs);
            Assert.That((r.PBits, r.FeaturesHash), Is.EqualTo((c.PEventBits, c.FeaturesHash)));
        }
        Assert.That(ModelReferenceHeader.Parse(ModelReferenceHeader.Write(model, cases)), Is.EqualTo(cases).Using<ModelReferenceCase>(
            (a, b) => a.PEventBits == b.PEventBits && a.FeaturesHash == b.FeaturesHash && a.IsEvent == b.IsEvent && a.Inputs.SequenceEqual(b.Inputs)));
    }

    [Test]
    public void A_written_header_reads_back_to_the_same_bits()
    {
        BeeModel model = ModelHeader.Read(HeaderPath);
        var random = new Random(5);
        BeeModel odd = model with { Name = "bee-mlp-9", Version = 9, W2 = model.W2.Select(_ => (float)(random.NextDouble() - 0.5) * 1e-3f).ToArray() };
        string text = ModelHeader.Write(odd, "test");
        BeeModel back = ModelHeader.Parse(text);
        Assert.That(back.Name, Is.EqualTo("bee-mlp-9"));
        Assert.That(back.Version, Is.EqualTo(9));
        Assert.That(back.W2.Select(BitConverter.SingleToUInt32Bits), Is.EqualTo(odd.W2.Select(BitConverter.SingleToUInt32Bits)));
        Assert.That(back.InputMean, Is.EqualTo(odd.InputMean));
    }

    [Test]
    public void A_header_missing_an_array_is_refused_with_its_name()
    {
        string text = File.ReadAllText(HeaderPath).Replace("model_b2", "model_bx");
        var e = Assert.Throws<InvalidDataException>(() => ModelHeader.Parse(text, "broken.h"));
        Assert.That(e!.Message, Is.EqualTo("broken.h: no array model_b2"));
    }
}
