using System.Net;
using System.Net.Sockets;
using System.Text;
using Hil.Harness.Channels;
using Hil.Simulators.Modem;

namespace Hil.Simulators.Tests.Modem;

/// <summary>The modem's answers, byte for byte, as the firmware side of the link UART sees them.</summary>
public sealed class EspAtModemTests
{
    private NetworkStream _firmware = null!;
    private TargetChannel _link = null!;
    private EspAtModem _modem = null!;

    [SetUp]
    public async Task ConnectAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient { NoDelay = true };
        Task connect = client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        Socket harnessSide = await listener.AcceptSocketAsync();
        await connect;
        _firmware = client.GetStream();
        _link = new TargetChannel("node-1", "link");
        _modem = new EspAtModem();
        _modem.Attach(_link);
        await _link.AttachAsync(new NetworkStream(harnessSide, ownsSocket: true));
    }

    [TearDown]
    public async Task DisconnectAsync()
    {
        await _link.DisposeAsync();
        await _firmware.DisposeAsync();
        await _modem.DisposeAsync();
    }

    [Test]
    public async Task Echo_is_on_until_ATE0_like_the_real_module()
    {
        Assert.That(await ExchangeAsync("AT", "OK\r\n"), Is.EqualTo("AT\r\n\r\nOK\r\n"));
        Assert.That(await ExchangeAsync("ATE0", "OK\r\n"), Is.EqualTo("ATE0\r\n\r\nOK\r\n"));
        Assert.That(await ExchangeAsync("AT", "OK\r\n"), Is.EqualTo("\r\nOK\r\n"));
    }

    [Test]
    public async Task The_node_joins_connects_subscribes_and_publishes_raw()
    {
        await ExchangeAsync("ATE0", "OK\r\n");
        Assert.That(await ExchangeAsync("AT+CWJAP=\"hive-lab\",\"secret\"", "OK\r\n"), Is.EqualTo("WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n"));
        await ExchangeAsync("AT+MQTTUSERCFG=0,1,\"a1b2c3d4e5f6\",\"\",\"\",0,0,\"\"", "OK\r\n");
        Assert.That(await ExchangeAsync("AT+MQTTCONN=0,\"broker.local\",1883,1", "OK\r\n"),
            Is.EqualTo("+MQTTCONNECTED:0,1,\"broker.local\",\"1883\",\"\",1\r\n\r\nOK\r\n"));
        await ExchangeAsync("AT+MQTTSUB=0,\"devices/a1b2c3d4e5f6/commands\",1", "OK\r\n");

        Assert.That(await ExchangeAsync("AT+MQTTPUBRAW=0,\"devices/a1b2c3d4e5f6/telemetry\",9,1,0", ">"), Is.EqualTo("\r\nOK\r\n\r\n>"));
        Assert.That(await SendRawAsync("{\"t\":1.5}", "+MQTTPUB:OK\r\n"), Is.EqualTo("\r\n+MQTTPUB:OK\r\n"));

        ModemPublish publish = _modem.Publishes.Single();
        Assert.That(publish.Topic, Is.EqualTo("devices/a1b2c3d4e5f6/telemetry"));
        Assert.That(publish.Text, Is.EqualTo("{\"t\":1.5}"));
        Assert.That(publish.Qos, Is.EqualTo(1));
        Assert.That(_modem.PublishCount("devices/a1b2c3d4e5f6/telemetry"), Is.EqualTo(1));
        Assert.That(_modem.PublishCount("devices/a1b2c3d4e5f6/status"), Is.Zero);
        Assert.That(_modem.PublishesOn("devices/a1b2c3d4e5f6/telemetry"), Is.EqualTo(new[] { publish }));
        Assert.That(_modem.PublishesOn("devices/a1b2c3d4e5f6/status"), Is.Empty);
        Assert.That(_modem.Subscriptions, Is.EquivalentTo(new[] { "devices/a1b2c3d4e5f6/commands" }));
    }

    [Test]
    public async Task Each_mqtt_session_is_numbered_and_a_publish_carries_the_session_it_went_out_on()
    {
        await ExchangeAsync("ATE0", "OK\r\n");
        await ExchangeAsync("AT+CWJAP=\"hive-lab\",\"secret\"", "OK\r\n");
        await ExchangeAsync("AT+MQTTUSERCFG=0,1,\"a1b2c3d4e5f6\",\"\",\"\",0,0,\"\"", "OK\r\n");
        Assert.That(_modem.MqttSession, Is.Zero);
        await ExchangeAsync("AT+MQTTCONN=0,\"broker.local\",1883,1", "OK\r\n");
        await ExchangeAsync("AT+MQTTPUB=0,\"devices/a1b2c3d4e5f6/status\",\"online\",1,1", "OK\r\n");
        await ExchangeAsync("AT+MQTTCLEAN=0", "OK\r\n");
        await ExchangeAsync("AT+MQTTCONN=0,\"broker.local\",1883,1", "OK\r\n");
        await ExchangeAsync("AT+MQTTPUB=0,\"devices/a1b2c3d4e5f6/status\",\"online\",1,1", "OK\r\n");

        Assert.That(_modem.MqttSession, Is.EqualTo(2));
        Assert.That(_modem.Publishes.Select(p => p.Session), Is.EqualTo(new[] { 1, 2 }));
    }

    [TestCase("AT+MQTTCONN=0,\"broker.local\",1883,1")]  // before joining Wi-Fi
    [TestCase("AT+CWJAP=\"unterminated")]
    [TestCase("AT+NOSUCH")]
    [TestCase("hello")]
    public async Task Malformed_or_untimely_commands_get_ERROR(string line)
    {
        await ExchangeAsync("ATE0", "OK\r\n");

        Assert.That(await ExchangeAsync(line, "ERROR\r\n"), Is.EqualTo("\r\nERROR\r\n"));
    }

    [Test]
    public async Task A_silent_modem_records_commands_but_answers_nothing()
    {
        _modem.Silent = true;
        await SendAsync("AT\r\n");
        await _link.WaitForAsync(_ => _modem.Commands.Count == 1, "the command", TimeSpan.FromSeconds(5));
        _modem.Silent = false;

        Assert.That(await ExchangeAsync("AT", "OK\r\n"), Is.EqualTo("AT\r\n\r\nOK\r\n"), "only the second command was answered");
    }

    [Test]
    public async Task A_refusing_access_point_answers_with_the_ESP_AT_error_code()
    {
        await ExchangeAsync("ATE0", "OK\r\n");
        _modem.RefuseJoin = true;

        Assert.That(await ExchangeAsync("AT+CWJAP=\"hive-lab\",\"bad\"", "ERROR\r\n"), Is.EqualTo("+CWJAP:2\r\n\r\nERROR\r\n"));
        Assert.That(_modem.WifiJoined, Is.False);
    }

    [Test]
    public async Task Losing_wifi_reports_the_mqtt_and_wifi_disconnects_and_refuses_to_rejoin_until_restored()
    {
        await JoinAndConnectAsync();

        await _modem.DropWifiAsync();
        string urcs = await ReadUntilAsync("WIFI DISCONNECT\r\n");
        string rejoin = await ExchangeAsync("AT+CWJAP=\"hive-lab\",\"\"", "ERROR\r\n");
        _modem.RestoreWifi();

        Assert.That(urcs, Is.EqualTo("+MQTTDISCONNECTED:0\r\nWIFI DISCONNECT\r\n"));
        Assert.That(rejoin, Is.EqualTo("+CWJAP:3\r\n\r\nERROR\r\n"));
        Assert.That(await ExchangeAsync("AT+CWJAP=\"hive-lab\",\"\"", "OK\r\n"), Does.StartWith("WIFI CONNECTED"));
    }

    [Test]
    public async Task An_unreachable_broker_fails_the_connect()
    {
        await ExchangeAsync("ATE0", "OK\r\n");
        await ExchangeAsync("AT+CWJAP=\"hive-lab\",\"\"", "OK\r\n");
        await _modem.SetBrokerReachableAsync(false);

        Assert.That(await ExchangeAsync("AT+MQTTCONN=0,\"broker.local\",1883,1", "ERROR\r\n"), Is.EqualTo("\r\nERROR\r\n"));
        Assert.That(_modem.MqttConnected, Is.False);
    }

    [Test]
    public async Task Busy_truncated_and_garbage_answers_can_be_injected()
    {
        await ExchangeAsync("ATE0", "OK\r\n");
        _modem.BusyCount = 1;
        Assert.That(await ExchangeAsync("AT", "busy p...\r\n"), Is.EqualTo("busy p...\r\n"));

        string full = await ExchangeAsync("AT+GMR", "OK\r\n");
        _modem.Corruption = ResponseCorruption.Truncate;
        await SendAsync("AT+GMR\r\n");
        string truncated = await ReadCountAsync(full.Length / 2);
        Assert.That(truncated, Is.EqualTo(full[..(full.Length / 2)]));

        _modem.Corruption = ResponseCorruption.Garbage;
        string garbage = await ExchangeAsync("AT", "\r\n");
        Assert.That(garbage, Does.Not.Contain("OK"));
        Assert.That(garbage.Length, Is.EqualTo("\r\nOK\r\n".Length + 2));
    }

    private async Task JoinAndConnectAsync()
    {
        await ExchangeAsync("ATE0", "OK\r\n");
        await ExchangeAsync("AT+CWJAP=\"hive-lab\",\"\"", "OK\r\n");
        await ExchangeAsync("AT+MQTTUSERCFG=0,1,\"n1\",\"\",\"\",0,0,\"\"", "OK\r\n");
        await ExchangeAsync("AT+MQTTCONN=0,\"broker.local\",1883,1", "OK\r\n");
    }

    private async Task<string> ExchangeAsync(string command, string until)
    {
        await SendAsync(command + "\r\n");
        return await ReadUntilAsync(until);
    }

    private async Task<string> SendRawAsync(string payload, string until)
    {
        await SendAsync(payload);
        return await ReadUntilAsync(until);
    }

    private async Task SendAsync(string text) => await _firmware.WriteAsync(Encoding.UTF8.GetBytes(text));

    private async Task<string> ReadCountAsync(int count)
    {
        var buffer = new byte[count];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _firmware.ReadExactlyAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer);
    }

    private async Task<string> ReadUntilAsync(string until)
    {
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var text = new StringBuilder();
        while (!text.ToString().EndsWith(until, StringComparison.Ordinal))
        {
            int count = await _firmware.ReadAsync(buffer, timeout.Token);
            if (count == 0) break;
            text.Append(Encoding.UTF8.GetString(buffer, 0, count));
        }
        return text.ToString();
    }
}
