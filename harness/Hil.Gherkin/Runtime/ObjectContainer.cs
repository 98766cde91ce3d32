using System.Reflection;

namespace Hil.Gherkin.Runtime;

/// <summary>
/// A small constructor-injection container (Reqnroll's BoDi, reduced): each type is created once
/// per container through its public constructor with the most parameters, whose arguments are
/// resolved the same way. A scenario gets its own container whose parent holds the test run's
/// registered instances. Objects it created are disposed with it, newest first.
/// </summary>
public sealed class ObjectContainer(ObjectContainer? parent = null) : IAsyncDisposable
{
    private readonly Dictionary<Type, object> _instances = new();
    private readonly List<object> _created = new();
    private readonly List<Type> _resolving = new();
    private bool _disposed;

    /// <summary>Makes <paramref name="instance"/> the object injected for <typeparamref name="T"/>; the container does not dispose it.</summary>
    public void RegisterInstance<T>(T instance) where T : class => _instances[typeof(T)] = instance;

    public T Resolve<T>() => (T)Resolve(typeof(T));

    public object Resolve(Type type)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (TryGetRegistered(type, out object? existing)) return existing!;
        if (_resolving.Contains(type))
            throw new InvalidOperationException($"Circular dependency: {string.Join(" -> ", _resolving.Append(type).Select(t => t.Name))}.");
        if (type.IsInterface || type.IsAbstract || type.IsPrimitive || type == typeof(string))
            throw new InvalidOperationException(
                $"Cannot inject {type.Name}{ResolutionChain()}: register an instance of it for the test run, or take a concrete class.");
        ConstructorInfo constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
            ?? throw new InvalidOperationException($"Cannot inject {type.Name}{ResolutionChain()}: it has no public constructor.");
        _resolving.Add(type);
        try
        {
            object[] arguments = constructor.GetParameters().Select(p => Resolve(p.ParameterType)).ToArray();
            object instance;
            try { instance = constructor.Invoke(arguments); }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw new InvalidOperationException($"Creating {type.Name} failed: {e.InnerException.Message}", e.InnerException);
            }
            _instances[type] = instance;
            _created.Add(instance);
            return instance;
        }
        finally
        {
            _resolving.RemoveAt(_resolving.Count - 1);
        }
    }

    private bool TryGetRegistered(Type type, out object? instance)
    {
        for (ObjectContainer? c = this; c is not null; c = c.Parent)
            if (c._instances.TryGetValue(type, out instance)) return true;
        instance = null;
        return false;
    }

    private ObjectContainer? Parent => parent;

    private string ResolutionChain() => _resolving.Count == 0 ? "" : $" (needed by {string.Join(" <- ", _resolving.AsEnumerable().Reverse().Select(t => t.Name))})";

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        var errors = new List<Exception>();
        for (int i = _created.Count - 1; i >= 0; i--)
        {
            try
            {
                if (_created[i] is IAsyncDisposable asyncDisposable) await asyncDisposable.DisposeAsync();
                else if (_created[i] is IDisposable disposable) disposable.Dispose();
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        }
        if (errors.Count == 1) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(errors[0]).Throw(); // with its own stack
        if (errors.Count > 1) throw new AggregateException("Disposing scenario objects failed.", errors);
    }
}
