using System.Reflection;
using Hil.Gherkin.Bindings;
using Hil.Gherkin.Expressions;

namespace Hil.Gherkin.Runtime;

/// <summary>A step definition found on a [Binding] class.</summary>
public sealed record StepDefinition(StepKind Kind, StepExpression Expression, MethodInfo Method, IReadOnlyList<string> Examples)
{
    /// <summary>"Class.Method(types)": how errors and the catalogue name a binding.</summary>
    public string Name => $"{Method.DeclaringType!.Name}.{Method.Name}({string.Join(", ", Method.GetParameters().Select(p => p.ParameterType.Name))})";

    public override string ToString() => $"[{Kind}(\"{Expression.Source}\")] {Name}";
}

/// <summary>A hook found on a [Binding] class.</summary>
public sealed record HookBinding(HookKind Kind, int Order, IReadOnlyList<TagExpression> Tags, MethodInfo Method)
{
    public string Name => $"{Method.DeclaringType!.Name}.{Method.Name}";

    /// <summary>True when the hook has no tag scope or one of its tag expressions matches.</summary>
    public bool AppliesTo(IEnumerable<string> tags) => Tags.Count == 0 || Tags.Any(t => t.Matches(tags));
}

/// <summary>The step definitions and hooks of a set of [Binding] classes.</summary>
public sealed class BindingRegistry
{
    private BindingRegistry(IReadOnlyList<StepDefinition> steps, IReadOnlyList<HookBinding> hooks)
    {
        Steps = steps;
        Hooks = hooks;
    }

    public IReadOnlyList<StepDefinition> Steps { get; }
    public IReadOnlyList<HookBinding> Hooks { get; }

    public static BindingRegistry FromAssemblies(params Assembly[] assemblies) =>
        FromTypes(assemblies.SelectMany(a => a.GetTypes()).Where(t => t.GetCustomAttribute<BindingAttribute>() is not null).ToArray());

    public static BindingRegistry FromTypes(params Type[] types)
    {
        var steps = new List<StepDefinition>();
        var hooks = new List<HookBinding>();
        foreach (Type type in types)
        {
            if (type.GetCustomAttribute<BindingAttribute>() is null)
                throw new ArgumentException($"{type.Name} is not marked [Binding].", nameof(types));
            foreach (MethodInfo method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                string[] examples = method.GetCustomAttributes<StepExampleAttribute>().Select(e => e.Example).ToArray();
                foreach (StepDefinitionAttribute step in method.GetCustomAttributes<StepDefinitionAttribute>())
                {
                    StepExpression expression;
                    try { expression = StepExpression.Parse(step.Expression); }
                    catch (Exception e) when (e is FormatException or ArgumentException)
                    {
                        throw new InvalidOperationException($"{type.Name}.{method.Name}: {e.Message}", e);
                    }
                    steps.Add(new StepDefinition(step.Kind, expression, method, examples));
                }
                foreach (HookAttribute hook in method.GetCustomAttributes<HookAttribute>())
                    hooks.Add(new HookBinding(hook.Kind, hook.Order, hook.Tags.Select(TagExpression.Parse).ToArray(), method));
            }
        }
        return new BindingRegistry(steps, hooks);
    }

    /// <summary>The hooks of a kind that apply to the tags, in the order they run.</summary>
    public IReadOnlyList<HookBinding> HooksFor(HookKind kind, IEnumerable<string> tags)
    {
        string[] tagList = tags.ToArray();
        return Hooks.Where(h => h.Kind == kind && h.AppliesTo(tagList)).OrderBy(h => h.Order).ThenBy(h => h.Name, StringComparer.Ordinal).ToArray();
    }
}
