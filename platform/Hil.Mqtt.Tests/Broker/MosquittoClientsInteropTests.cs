using System.Diagnostics;

namespace Hil.Mqtt.Tests.Broker;

/// <summary>Mosquitto's own command-line clients (Debian mosquitto-clients) talk through our broker.</summary>
public sealed class MosquittoClientsInteropTests
{
    private const string Sub = "/usr/bin/mosquitto_sub";
    private const string Pub = "/usr/bin/mosquitto_pub";

    [Test]
    [CancelAfter(30_000)]
    public async Task MosquittoSubReceivesWhatMosquittoPubSends(CancellationToken cancellationToken)
    {
        if (!File.Exists(Sub) || !File.Exists(Pub))
            Assert.Ignore("mosquitto_sub/mosquitto_pub are not installed (Debian package mosquitto-clients)");
        await using var fixture = await BrokerFixture.StartAsync();
        string port = fixture.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        using Process subscriber = Start(Sub, "-h", "127.0.0.1", "-p", port, "-i", "interop-sub", "-t", "t/#", "-q", "1", "-C", "1", "-v");
        Task<string> output = subscriber.StandardOutput.ReadToEndAsync(cancellationToken);
        await fixture.WaitForSubscriptionAsync("interop-sub", "t/#");

        using Process publisher = Start(Pub, "-h", "127.0.0.1", "-p", port, "-i", "interop-pub", "-t", "t/x", "-m", "hello", "-q", "1");
        await publisher.WaitForExitAsync(cancellationToken);
        Assert.That(publisher.ExitCode, Is.Zero, await publisher.StandardError.ReadToEndAsync(cancellationToken));

        await subscriber.WaitForExitAsync(cancellationToken);
        Assert.That(subscriber.ExitCode, Is.Zero, await subscriber.StandardError.ReadToEndAsync(cancellationToken));
        Assert.That((await output).Trim(), Is.EqualTo("t/x hello"));
        await fixture.WaitForLogAsync("client 'interop-pub' closed: DISCONNECT");
    }

    private static Process Start(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) info.ArgumentList.Add(argument);
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
    }
}
