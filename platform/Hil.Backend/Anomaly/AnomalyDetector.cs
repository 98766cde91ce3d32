using Hil.Scorer.Anomaly;

namespace Hil.Backend.Anomaly;

/// <summary>What the API shows of the model in use.</summary>
public sealed record AnomalyModelInfo(string Version, DateTimeOffset TrainedAt, string Source, int Rows, DateTimeOffset? DataFrom,
    DateTimeOffset? DataTo, IReadOnlyList<string> Channels);

/// <summary>
/// The forest in use. Retraining builds a new model aside and swaps the reference in one step, so a scoring pass
/// uses one model from start to end and never sees a half-trained one.
/// </summary>
public sealed class AnomalyDetector
{
    private AnomalyModel? _model;

    public AnomalyModel? Current => Volatile.Read(ref _model);

    public AnomalyModelInfo? Info => Current is { } m
        ? new AnomalyModelInfo(m.Version, m.Provenance.TrainedAt, m.Provenance.Source, m.Provenance.Rows, m.Provenance.DataFrom, m.Provenance.DataTo,
            m.Channels.Select(c => c.Name).ToList())
        : null;

    /// <summary>
    /// Puts <paramref name="model"/> in use. It must watch only what telemetry carries (temperature, humidity), in that order,
    /// since stored readings are fed to it that way.
    /// </summary>
    public void Use(AnomalyModel model)
    {
        var names = model.Channels.Select(c => c.Name).ToArray();
        var carried = AnomalyChannel.Telemetry.Select(c => c.Name).ToArray();
        if (!names.SequenceEqual(carried))
            throw new ArgumentException($"anomaly model {model.Version} watches {string.Join(", ", names)}; telemetry carries {string.Join(", ", carried)} " +
                                        "(train one with: hil train anomaly --channels telemetry)");
        Volatile.Write(ref _model, model);
    }
}
