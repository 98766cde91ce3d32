namespace Hil.Gherkin.Bindings;

public enum HookKind { BeforeTestRun, AfterTestRun, BeforeFeature, AfterFeature, BeforeScenario, AfterScenario, BeforeStep, AfterStep }

/// <summary>
/// A hook, as Reqnroll's: runs around the test run, each feature, scenario or step. With tags it
/// runs only where one of them matches; each tag may be a tag expression ("@qemu and not @slow").
/// Lower <see cref="Order"/> runs first for Before hooks; After hooks run in the same order.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public abstract class HookAttribute(HookKind kind, string[] tags) : Attribute
{
    public const int DefaultOrder = 10000;
    public HookKind Kind { get; } = kind;
    public IReadOnlyList<string> Tags { get; } = tags;
    public int Order { get; set; } = DefaultOrder;
}

public sealed class BeforeTestRunAttribute() : HookAttribute(HookKind.BeforeTestRun, []);
public sealed class AfterTestRunAttribute() : HookAttribute(HookKind.AfterTestRun, []);
public sealed class BeforeFeatureAttribute(params string[] tags) : HookAttribute(HookKind.BeforeFeature, tags);
public sealed class AfterFeatureAttribute(params string[] tags) : HookAttribute(HookKind.AfterFeature, tags);
public sealed class BeforeScenarioAttribute(params string[] tags) : HookAttribute(HookKind.BeforeScenario, tags);
public sealed class AfterScenarioAttribute(params string[] tags) : HookAttribute(HookKind.AfterScenario, tags);
public sealed class BeforeStepAttribute(params string[] tags) : HookAttribute(HookKind.BeforeStep, tags);
public sealed class AfterStepAttribute(params string[] tags) : HookAttribute(HookKind.AfterStep, tags);
