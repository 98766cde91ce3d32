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
    public const int FormatVersion = 3; // 2: level couplings instead of the trend's, repeat run length, 500 trees; 3: diurnal profiles
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public AnomalyModel(string version, IReadOnlyList<AnomalyChannel> channels, IReadOnlyList<ChannelCoupling> couplings,
        IReadOnlyList<DiurnalProfile> profiles, IsolationForest forest, AnomalyProvenance provenance)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        if (forest.FeatureCount != FeatureNames(channels).Count)
            throw new ArgumentException($"the forest has {forest.FeatureCount} features; {channels.Count} channels give {FeatureNames(channels).Count}");
        if (!couplings.Select(c => c.Slot).SequenceEqual(CoupledSlots) || couplings.Any(c => c.Spread.Length != channels.Count))
            throw new ArgumentException($"expected couplings of the rate and the level over {channels.Count} channels");
        if (!profiles.Select(p => p.Slot).SequenceEqual(ProfiledSlots) || profiles.Any(p => p.Low.Length != channels.Count))
            throw new ArgumentException($"expected diurnal profiles of the level and the rate over {channels.Count} channels");
        (Version, Channels, Couplings, Profiles, Forest, Provenance) = (version, channels, couplings, profiles, forest, provenance);
    }

    private static readonly int[] CoupledSlots = [ChannelCoupling.RateSlot, ChannelCoupling.LevelSlot, ChannelCoupling.SpellSlot];
    private static readonly int[] ProfiledSlots = [EnvironmentFeatures.ValueSlot, EnvironmentFeatures.RateSlot];

    public IReadOnlyList<ChannelCoupling> Couplings { get; }
    public IReadOnlyList<DiurnalProfile> Profiles { get; }

    /// <summary>
    /// The forest's inputs: <see cref="EnvironmentFeatures"/> except the per-channel rate and levels (mean_15m − mean_1h,
    /// − mean_24h, − mean_6h, and mean_15m: in channel units, mostly diurnal cycle and weather; given to the forest they
    /// dilute its splits) and the hour of day, then the residuals of the coupled rate and the two levels, and the excess
    /// of the level and of the rate over their diurnal profiles.
    /// </summary>
    public static IReadOnlyList<string> FeatureNames(IReadOnlyList<AnomalyChannel> channels) =>
    [
        .. EnvironmentFeatures.Names(channels).Where((_, i) => !IsHidden(i, channels.Count)),
        "max_coupled_rate_residual_z", "max_coupled_level_residual_z", "max_coupled_spell_residual_z", "max_diurnal_level_excess", "max_diurnal_rate_excess",
    ];

    /// <summary>Per-channel slots after <see cref="EnvironmentFeatures.ForestSlots"/>, and the hour, are for the learnt parts only.</summary>
    private static bool IsHidden(int index, int channels) =>
        index < EnvironmentFeatures.PerChannel * channels ? index % EnvironmentFeatures.PerChannel >= EnvironmentFeatures.ForestSlots
            : index == EnvironmentFeatures.HourIndex(channels);

    private static double[] ForestRow(ReadOnlySpan<double> features, IReadOnlyList<ChannelCoupling> couplings, IReadOnlyList<DiurnalProfile> profiles, int width)
    {
        int channels = couplings[0].Spread.Length;
        var row = new double[width];
        int at = 0;
        for (int i = 0; i < features.Length; i++)
            if (!IsHidden(i, channels)) row[at++] = features[i];
        foreach (ChannelCoupling coupling in couplings) row[at++] = coupling.Residual(features);
        foreach (DiurnalProfile profile in profiles) row[at++] = profile.Excess(features);
        return row;
    }

    /// <summary>
    /// Five forests of Liu et al.'s 100 trees, their scores averaged (one forest of 500 trees gives the same score): a
    /// single forest's random splits move the held-out AUC by about ±0.01 between forest seeds.
    /// </summary>
    public const int Trees = 5 * 100;

    public string Version { get; }
    public IReadOnlyList<AnomalyChannel> Channels { get; }
    public IsolationForest Forest { get; }
    public AnomalyProvenance Provenance { get; }

    /// <summary>Trains the forest (<see cref="Trees"/> trees on subsamples of 256) on feature rows of <paramref name="channels"/>.</summary>
    public static AnomalyModel Train(string version, IReadOnlyList<AnomalyChannel> channels, IReadOnlyList<double[]> rows, int seed,
        AnomalyProvenance provenance) =>
        Train(version, channels, CoupledSlots.Select(slot => ChannelCoupling.Fit(rows, channels.Count, slot)).ToArray(),
            ProfiledSlots.Select(slot => DiurnalProfile.Fit(rows, channels, slot)).ToArray(), rows, seed, provenance);

    private static AnomalyModel Train(string version, IReadOnlyList<AnomalyChannel> channels, ChannelCoupling[] couplings, DiurnalProfile[] profiles,
        IReadOnlyList<double[]> rows, int seed, AnomalyProvenance provenance)
    {
        int width = FeatureNames(channels).Count;
        return new(version, channels, couplings, profiles, IsolationForest.Train(rows.Select(r => ForestRow(r, couplings, profiles, width)).ToList(), seed, Trees),
            provenance with { Rows = rows.Count });
    }

    /// <summary>The anomaly score (0..1, near 1 anomalous) of one row of <see cref="EnvironmentFeatures"/>.</summary>
    public double Score(ReadOnlySpan<double> features) => Forest.Score(ForestRow(features, Couplings, Profiles, Forest.FeatureCount));

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
        FeatureNames(Channels), Couplings.Select(c => new CouplingData(c.Slot, c.Weights, c.Spread)).ToList(), 
        Profiles.Select(p => new ProfileData(p.Slot, p.Low, p.High)).ToList(),
        Forest.ToData()), Json);

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
        if (file.Channels is not { Count: > 0 } || file.Forest is null || file.Provenance is null || file.Couplings is null
            || file.Profiles is null || file.Profiles.Any(p => p?.Low is null || p.High is null) || string.IsNullOrWhiteSpace(file.ModelVersion))
            throw new FormatException("model file lacks model_version, provenance, channels, couplings, profiles or forest");
        if (file.Features is null || !file.Features.SequenceEqual(FeatureNames(file.Channels)))
            throw new FormatException("the model's feature list differs from this build's features for its channels; retrain it (hil train anomaly)");
        if (!file.Profiles.Select(p => p!.Slot).SequenceEqual(ProfiledSlots))
            throw new FormatException($"expected diurnal profiles of feature slots {string.Join(", ", ProfiledSlots)} (the level and the rate)");
        return new AnomalyModel(file.ModelVersion, file.Channels, file.Couplings.Select(c => ChannelCoupling.From(c.Slot, c.Weights, c.Spread)).ToArray(),
            file.Profiles.Select(p => DiurnalProfile.From(p.Slot, p.Low!, p.High!, file.Channels)).ToArray(), IsolationForest.FromData(file.Forest), file.Provenance);
    }

    private sealed record ModelFile(string Format, int FormatVersion, string ModelVersion, AnomalyProvenance? Provenance,
        IReadOnlyList<AnomalyChannel>? Channels, IReadOnlyList<string>? Features, IReadOnlyList<CouplingData>? Couplings, IReadOnlyList<ProfileData>? Profiles,
        IsolationForestData? Forest);

    private sealed record CouplingData(int Slot, double[][] Weights, double[] Spread);

    private sealed record ProfileData(int Slot, double[][]? Low, double[][]? High);
}
