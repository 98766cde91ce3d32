namespace Hil.Gherkin.Bindings;

/// <summary>Marks a class whose methods are step definitions or hooks (as Reqnroll's <c>[Binding]</c>).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class BindingAttribute : Attribute;

/// <summary>Given, When or Then: the kind of step a definition answers (And/But take the kind before them).</summary>
public enum StepKind { Given, When, Then }

/// <summary>
/// A step definition. The expression is a Cucumber expression (<c>{int}</c>, <c>{float}</c>,
/// <c>{word}</c>, <c>{string}</c>, <c>{}</c>, optional <c>(s)</c>, alternatives <c>a/b</c>) unless it
/// starts with <c>^</c> or ends with <c>$</c>, in which case it is a regular expression.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public abstract class StepDefinitionAttribute(StepKind kind, string expression) : Attribute
{
    public StepKind Kind { get; } = kind;
    public string Expression { get; } = expression;
}

public sealed class GivenAttribute(string expression) : StepDefinitionAttribute(StepKind.Given, expression);

public sealed class WhenAttribute(string expression) : StepDefinitionAttribute(StepKind.When, expression);

public sealed class ThenAttribute(string expression) : StepDefinitionAttribute(StepKind.Then, expression);

/// <summary>
/// An example of the step as QA would write it, shown in the generated step catalogue
/// (docs/steps.md); a test checks that every example matches its own definition and no other.
/// Not part of Reqnroll: dropping it is the only change a move to Reqnroll needs here.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class StepExampleAttribute(string example) : Attribute
{
    public string Example { get; } = example;
}
