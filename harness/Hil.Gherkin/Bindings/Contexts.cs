namespace Hil.Gherkin.Bindings;

public sealed record FeatureInfo(string Title, string Description, string FilePath, IReadOnlyList<string> Tags);

public sealed record ScenarioInfo(string Title, IReadOnlyList<string> Tags, IReadOnlyDictionary<string, string> Arguments);

public sealed record StepInfo(StepKind Kind, string Keyword, string Text, int Line);

/// <summary>
/// A named piece of evidence kept with a scenario's result (a channel transcript, the broker's messages). The failure
/// message quotes its last lines; the reports carry it whole.
/// </summary>
public sealed record Attachment(string Name, string Content);

/// <summary>The feature being run; injectable into feature hooks and bindings.</summary>
public sealed class FeatureContext(FeatureInfo info)
{
    public FeatureInfo FeatureInfo { get; } = info;
}

/// <summary>
/// The scenario being run (Reqnroll's ScenarioContext): injectable into bindings and hooks. After
/// hooks see <see cref="TestError"/>; they attach evidence with <see cref="Attach"/>. Steps publish what they
/// measured with <see cref="Measure"/>.
/// </summary>
public sealed class ScenarioContext(ScenarioInfo info, FeatureContext feature)
{
    private readonly List<Attachment> _attachments = new();
    private readonly List<Measurement> _measurements = new();

    public ScenarioInfo ScenarioInfo { get; } = info;
    public FeatureContext FeatureContext { get; } = feature;
    public Exception? TestError { get; internal set; }
    public StepInfo? CurrentStep { get; internal set; }
    public IReadOnlyList<Attachment> Attachments { get { lock (_attachments) return _attachments.ToArray(); } }

    public IReadOnlyList<Measurement> Measurements { get { lock (_measurements) return _measurements.ToArray(); } }

    public void Attach(string name, string content)
    {
        lock (_attachments) _attachments.Add(new Attachment(name, content));
    }

    /// <summary>Publishes a series of samples to the report; a later one of the same name replaces it (a step may measure again).</summary>
    public void Measure(Measurement measurement)
    {
        lock (_measurements)
        {
            int index = _measurements.FindIndex(m => m.Name == measurement.Name);
            if (index >= 0) _measurements[index] = measurement;
            else _measurements.Add(measurement);
        }
    }
}
