using Hil.Harness.Channels;

namespace Hil.Harness.Targets;

/// <summary>The named channels of one target, in UART order.</summary>
public sealed class ChannelSet : IAsyncDisposable
{
    private readonly TargetChannel[] _channels;

    public ChannelSet(string targetName, IReadOnlyList<string> names, TimeProvider timeProvider)
    {
        if (names.Count == 0) throw new ArgumentException("A target needs at least one channel.", nameof(names));
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
            throw new ArgumentException($"Channel names must be unique: {string.Join(", ", names)}", nameof(names));
        _channels = names.Select(name => new TargetChannel(targetName, name, timeProvider)).ToArray();
        TargetName = targetName;
    }

    public string TargetName { get; }
    public IReadOnlyList<TargetChannel> All => _channels;

    public TargetChannel this[string name] =>
        _channels.FirstOrDefault(c => c.Name == name)
        ?? throw new KeyNotFoundException(
            $"Target '{TargetName}' has no channel '{name}' (it has: {string.Join(", ", _channels.Select(c => c.Name))}).");

    public async Task DetachAllAsync()
    {
        foreach (TargetChannel channel in _channels) await channel.DetachAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (TargetChannel channel in _channels) await channel.DisposeAsync().ConfigureAwait(false);
    }
}
