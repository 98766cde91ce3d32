using System.Reflection;
using System.Runtime.ExceptionServices;

namespace Hil.Gherkin.Runtime;

/// <summary>Calls a binding method (sync, Task or ValueTask), on an instance from the container unless it is static.</summary>
internal static class MethodInvoker
{
    public static async Task InvokeAsync(MethodInfo method, ObjectContainer container, object?[] arguments)
    {
        object? target = method.IsStatic ? null : container.Resolve(method.DeclaringType!);
        object? returned;
        try
        {
            returned = method.Invoke(target, arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
        switch (returned)
        {
            case Task task: await task; break;
            case ValueTask valueTask: await valueTask; break;
        }
    }

    /// <summary>Hook parameters are injected from the container.</summary>
    public static Task InvokeHookAsync(MethodInfo method, ObjectContainer container) =>
        InvokeAsync(method, container, method.GetParameters().Select(p => container.Resolve(p.ParameterType)).ToArray());
}
