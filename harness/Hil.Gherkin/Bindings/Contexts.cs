namespace Hil.Gherkin.Bindings;

public sealed record FeatureInfo(string Title, string Description, string FilePath, IReadOnlyList<string> Tags);

public sealed record ScenarioInfo(string Title, IReadOnlyList<string> Tags, IReadOnlyDictionary<string, string> Arguments);

public sealed record StepInfo(StepKind Kind, string Keyword, string Text, int Line);

/// <summary>A named piece of evidence kept with a scenario's result (a transcript, the link traffic).</summary>
public sealed record Attachment(string Name, string Content);

/// <summary>The feature being run; injectable into feature hooks and bindings.</summary>
public sealed class FeatureContext(FeatureInfo info)
{
    public FeatureInfo FeatureInfo { get; } = info;
}

/// <summary>
/// The scenario being run (Reqnroll's ScenarioContext): injectable into bindings and hooks. After
/// hooks see <see cref="TestError"/>; they attach evidence with <see cref="Attach"/>.
/// </summary>
public sealed class ScenarioContext(ScenarioInfo info, FeatureContext feature)
{
    private readonly List<Attachment> _attachments = new();

    public ScenarioInfo ScenarioInfo { get; } = info;
    public FeatureContext FeatureContext { get; } = feature;
    public Exception? TestError { get; internal set; }
    public StepInfo? CurrentStep { get; internal set; }
    public IReadOnlyList<Attachment> Attachments { get { lock (_attachments) return _attachments.ToArray(); } }

    public void Attach(string name, string content)
    {
        lock (_attachments) _attachments.Add(new Attachment(name, content));
    }
}
