using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hil.Scorer.Anomaly;

/// <summary>Where a model came from: enough to retrain it, or to know which data it has seen.</summary>
/// <param name="Source">"simulator" (`hil train anomaly`) or "telemetry" (the backend's scheduled retraining).</param>
public sealed record AnomalyProvenance(string Source, DateTimeOffset TrainedAt, int Rows, DateTimeOffset? DataFrom = null,
    DateTimeOffset? DataTo = null, int? Seed = null, double? Hours = null, int? Faults = null, int? Nodes = null, string? Note = null);

/// <summary>
/// A trained anomaly detector: the channels it watches (their order is the order of the values to score), the
/// forest over <see cref="EnvironmentFeatures"/> of those channels, a version and its provenance. Saved as JSON
/// with a format name and format version, so a file of another kind or a newer format is refused with a reason.
/// </summary>
public sealed class AnomalyModel
{
    public const string Format = "hil-anomaly-forest";
    public const int FormatVersion = 1;
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public AnomalyModel(string version, IReadOnlyList<AnomalyChannel> channels, IsolationForest forest, AnomalyProvenance provenance)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        if (forest.FeatureCount != EnvironmentFeatures.Count(channels.Count))
            throw new ArgumentException($"the forest has {forest.FeatureCount} features; {channels.Count} channels give {EnvironmentFeatures.Count(channels.Count)}");
        (Version, Channels, Forest, Provenance) = (version, channels, forest, provenance);
    }

    public string Version { get; }
    public IReadOnlyList<AnomalyChannel> Channels { get; }
    public IsolationForest Forest { get; }
    public AnomalyProvenance Provenance { get; }

    /// <summary>Trains the forest (Liu et al.: 100 trees, subsamples of 256) on feature rows of <paramref name="channels"/>.</summary>
    public static AnomalyModel Train(string version, IReadOnlyList<AnomalyChannel> channels, IReadOnlyList<double[]> rows, int seed,
        AnomalyProvenance provenance) =>
        new(version, channels, IsolationForest.Train(rows, seed), provenance with { Rows = rows.Count });

    public double Score(ReadOnlySpan<double> features) => Forest.Score(features);

    /// <summary>Writes the model next to <paramref name="path"/> and moves it into place, so a reader never sees half a file.</summary>
    public void Save(string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temporary = full + ".tmp";
        File.WriteAllText(temporary, ToJson());
        File.Move(temporary, full, overwrite: true);
    }

    public string ToJson() => JsonSerializer.Serialize(new ModelFile(Format, FormatVersion, Version, Provenance, Channels,
        EnvironmentFeatures.Names(Channels), Forest.ToData()), Json);

    public static AnomalyModel Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no anomaly model at {path}", path);
        try
        {
            return FromJson(File.ReadAllText(path));
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    public static AnomalyModel FromJson(string json)
    {
        ModelFile file = JsonSerializer.Deserialize<ModelFile>(json, Json) ?? throw new FormatException("empty model file");
        if (file.Format != Format) throw new FormatException($"not an anomaly model (format '{file.Format}', expected '{Format}')");
        if (file.FormatVersion != FormatVersion) throw new FormatException($"model format version {file.FormatVersion}; this build reads version {FormatVersion}");
        if (file.Channels is not { Count: > 0 } || file.Forest is null || file.Provenance is null || string.IsNullOrWhiteSpace(file.ModelVersion))
            throw new FormatException("model file lacks model_version, provenance, channels or forest");
        if (file.Features is null || !file.Features.SequenceEqual(EnvironmentFeatures.Names(file.Channels)))
            throw new FormatException("the model's feature list differs from this build's features for its channels; retrain it (hil train anomaly)");
        return new AnomalyModel(file.ModelVersion, file.Channels, IsolationForest.FromData(file.Forest), file.Provenance);
    }

    private sealed record ModelFile(string Format, int FormatVersion, string ModelVersion, AnomalyProvenance? Provenance,
        IReadOnlyList<AnomalyChannel>? Channels, IReadOnlyList<string>? Features, IsolationForestData? Forest);
}
