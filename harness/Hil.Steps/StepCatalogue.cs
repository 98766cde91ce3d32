using Hil.Gherkin.Runtime;

namespace Hil.Steps;

/// <summary>The harness's step definitions and hooks, for the scenario test project and `hil run`.</summary>
public static class StepCatalogue
{
    /// <summary>What runs when no tags are given: everything but the slow soaks and scenarios of known, open defects (@wip).</summary>
    public const string DefaultTags = "not @slow and not @wip";

    public static BindingRegistry Bindings { get; } = BindingRegistry.FromAssemblies(typeof(StepCatalogue).Assembly);
}
