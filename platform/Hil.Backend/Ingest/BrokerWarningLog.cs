using Hil.Backend.Hosting;
using Hil.Mqtt.Broker;

namespace Hil.Backend.Ingest;

/// <summary>
/// The embedded broker's warnings and refusals (a CONNECT refused, a publish or subscription refused by the ACL) as warnings of the
/// platform's log, with the client id, the user name and the reason, never a secret. A client that repeats the same
/// refused thing (a device retrying with a revoked key every second) is one line a minute, with the count since.
/// </summary>
internal sealed class BrokerWarningLog : IDisposable
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMinutes(1);
    private readonly ILoggerFactory _factory;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly Dictionary<(BrokerRefusalKind, string, string), (long LoggedAt, int Since)> _recent = new();

    public BrokerWarningLog(BackendOptions options)
    {
        _time = options.Time;
        _factory = LoggerFactory.Create(b =>
        {
            b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(options.LogLevel);
            if (options.ExtraLogger is { } extra) b.AddProvider(extra);
        });
        _log = _factory.CreateLogger("Hil.Broker");
    }

    public void Dispose() => _factory.Dispose();

    /// <summary>The broker's warnings (messages dropped over a client's bounds, once per episode; a failing hook).</summary>
    public void Warn(string line) => _log.LogWarning("Broker: {Line}", line);

    public void Report(BrokerRefusal refusal)
    {
        int repeated;
        lock (_recent)
        {
            if (_recent.Count > 10_000) _recent.Clear(); // many distinct clients: forget, at worst a line more each
            var key = (refusal.Kind, refusal.ClientId, refusal.Reason);
            if (_recent.TryGetValue(key, out var seen) && _time.GetElapsedTime(seen.LoggedAt) < Quiet)
            {
                _recent[key] = seen with { Since = seen.Since + 1 };
                return;
            }
            repeated = seen.Since;
            _recent[key] = (_time.GetTimestamp(), 0);
        }
        _log.LogWarning("Broker refused {Kind} from {Remote}: client '{ClientId}', user '{User}': {Reason}{Repeated}",
            refusal.Kind.ToString().ToLowerInvariant(), refusal.RemoteEndPoint, refusal.ClientId, refusal.Username ?? "(none)", refusal.Reason,
            repeated > 0 ? $" ({repeated} more since the last line)" : "");
    }
}
