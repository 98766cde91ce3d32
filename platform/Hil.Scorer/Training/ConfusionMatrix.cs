using System.Text;

namespace Hil.Scorer.Training;

/// <summary>Two-class confusion matrix (normal / event).</summary>
public sealed record ConfusionMatrix(int TrueNormal, int FalseEvent, int FalseNormal, int TrueEvent)
{
    public int Total => TrueNormal + FalseEvent + FalseNormal + TrueEvent;
    public double Accuracy => Total == 0 ? 0 : (double)(TrueNormal + TrueEvent) / Total;

    public static ConfusionMatrix Of(IEnumerable<(bool Actual, bool Predicted)> outcomes)
    {
        int tn = 0, fe = 0, fn = 0, te = 0;
        foreach (var (actual, predicted) in outcomes)
        {
            if (!actual && !predicted) tn++;
            else if (!actual) fe++;
            else if (!predicted) fn++;
            else te++;
        }
        return new ConfusionMatrix(tn, fe, fn, te);
    }

    public override string ToString() => new StringBuilder()
        .AppendLine("| actual \\ predicted | normal | event |")
        .AppendLine("| --- | --- | --- |")
        .AppendLine($"| normal | {TrueNormal} | {FalseEvent} |")
        .AppendLine($"| event | {FalseNormal} | {TrueEvent} |")
        .Append($"accuracy {Accuracy:P2} on {Total} held-out clips").ToString();
}
