using Hil.Mqtt.Broker;
using Hil.Mqtt.Mosquitto;

namespace Hil.Mqtt.Tests.Support;

/// <summary>A broker the conformance suite runs against; the fixture parameter picks one by name.</summary>
public interface IBrokerUnderTest : IAsyncDisposable
{
    string Name { get; }
    string Host { get; }
    int Port { get; }
    Task StartAsync(CancellationToken cancellationToken = default);
}

public static class BrokersUnderTest
{
    public const string Mosquitto = "mosquitto";
    public const string Embedded = "embedded";

    public static IBrokerUnderTest Create(string name) => name switch
    {
        Mosquitto => new MosquittoBroker(),
        Embedded => new EmbeddedBroker(),
        _ => throw new ArgumentException($"unknown broker '{name}' (known: {Mosquitto}, {Embedded})", nameof(name)),
    };
}

/// <summary>The reference: a Mosquitto process of the test's own on a free loopback port.</summary>
public sealed class MosquittoBroker : IBrokerUnderTest
{
    private MosquittoProcess? _process;

    public string Name => BrokersUnderTest.Mosquitto;
    public string Host => "127.0.0.1";
    public int Port => _process?.Port ?? throw new InvalidOperationException("Mosquitto is not started");

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (MosquittoProcess.Locate() is null)
            Assert.Ignore("Mosquitto is not installed (Debian package 'mosquitto'); its conformance cases cannot run.");
        _process = await MosquittoProcess.StartAsync(cancellationToken: cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null) await _process.DisposeAsync();
    }
}

/// <summary>Our own in-process broker, on a port it picks.</summary>
public sealed class EmbeddedBroker : IBrokerUnderTest
{
    private MqttBroker? _broker;

    public string Name => BrokersUnderTest.Embedded;
    public string Host => "127.0.0.1";
    public int Port => _broker?.Port ?? throw new InvalidOperationException("the embedded broker is not started");

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _broker = new MqttBroker(new MqttBrokerOptions());
        await _broker.StartAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null) await _broker.DisposeAsync();
    }
}
