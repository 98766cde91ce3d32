using Hil.Backend.Protocol;

namespace Hil.Backend.Tests.Protocol;

public sealed class TelemetryParserTests
{
    private const string V2 = """{"v":2,"node_id":"a1b2c3d4e5f6","fw":"2.1.0","boot":7,"seq":42,"uptime_ms":215000,"temperature_c":23.5,"humidity_pct":61.2,"battery_mv":3712,"rssi_dbm":-61,"error_flags":0}""";
    private const string Bins = "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]";

    [Test]
    public void V1_without_version_field_is_accepted_and_newer_fields_stay_absent()
    {
        var result = TelemetryParser.Parse("""{"node_id":"a1b2c3d4e5f6","temp":23.5,"humidity":61.2}""");
        Assert.That(result.IsValid, Is.True, result.Rejection);
        var m = result.Message!;
        Assert.That((m.Version, m.TemperatureC, m.HumidityPct), Is.EqualTo((1, 23.5, 61.2)));
        Assert.That(new object?[] { m.Boot, m.Seq, m.Firmware, m.BatteryMv, m.Audio, m.Inference }, Is.All.Null);
        Assert.That(m.HasIdentity, Is.False);
    }

    [Test]
    public void V2_carries_identity_and_device_fields()
    {
        var m = TelemetryParser.Parse(V2).Message!;
        Assert.That((m.Version, m.Boot, m.Seq, m.Firmware, m.BatteryMv, m.RssiDbm, m.UptimeMs), Is.EqualTo((2, 7L, 42L, "2.1.0", 3712L, -61L, 215000L)));
        Assert.That(m.HasIdentity, Is.True);
    }

    [Test]
    public void V3_adds_audio_and_inference()
    {
        string v3 = V2.Replace("\"v\":2", "\"v\":3").TrimEnd('}') +
                    ",\"audio\":{\"rms\":0.021,\"spike_ratio\":1.8,\"bins\":" + Bins + "},\"inference\":{\"model\":\"bee-mlp-3\",\"label\":\"event\",\"p_event\":0.93}}";
        var m = TelemetryParser.Parse(v3).Message!;
        Assert.That(m.Audio!.Bins, Has.Count.EqualTo(16));
        Assert.That((m.Audio.Rms, m.Inference!.Label, m.Inference.PEvent), Is.EqualTo((0.021, "event", 0.93)));
        Assert.That(m.Inference.ModelVersion, Is.Null, "a v3 payload from before model_version: absent, not invented");
        var versioned = TelemetryParser.Parse(v3.Replace("\"model\":\"bee-mlp-3\",", "\"model\":\"bee-mlp-3\",\"model_version\":2,")).Message!;
        Assert.That(versioned.Inference!.ModelVersion, Is.EqualTo(2));
    }

    [Test]
    public void An_inference_event_is_read_with_its_identity_and_what_older_firmware_leaves_out_stays_absent()
    {
        const string node = "a1b2c3d4e5f6";
        var (e, rejection) = TelemetryParser.ParseEvent("""{"node_id":"a1b2c3d4e5f6","boot":3,"uptime_ms":9000,"capture":4,"model":"bee-mlp-3","model_version":2,"label":"event","p_event":0.981234,"rms":0.05,"spike_ratio":2.5,"spike":true,"spike_trusted":true,"history":3,"frames":62}"""u8, node);
        Assert.That(e, Is.EqualTo(new InferenceEvent(3, 4, 9000, "bee-mlp-3", 2, "event", 0.981234, 0.05, 2.5, true, true, 3, 62)), rejection);
        var (old, _) = TelemetryParser.ParseEvent("""{"node_id":"a1b2c3d4e5f6","boot":1,"uptime_ms":5,"model":"bee-mlp-3","label":"normal","p_event":0.1,"rms":0.01,"spike_ratio":1,"spike":false,"frames":3}"""u8, node);
        Assert.That((old!.Capture, old.ModelVersion, old.SpikeTrusted, old.History), Is.EqualTo(((long?)null, (long?)null, (bool?)null, (long?)null)));
    }

    [TestCase("{\"model\":\"m\",\"label\":\"event\"}", "missing field 'p_event'")]
    [TestCase("{\"model\":\"m\",\"label\":\"loud\",\"p_event\":0.5}", "field 'label' must be 'normal' or 'event', got 'loud'")]
    [TestCase("{\"model\":\"m\",\"label\":\"event\",\"p_event\":1.5}", "field 'p_event' out of range [0, 1]: 1.5")]
    [TestCase("{\"model\":\"m\",\"model_version\":0,\"label\":\"event\",\"p_event\":0.5}", "field 'model_version' out of range [1, 4294967295]: 0")]
    [TestCase("{\"model\":\"m\",\"label\":\"event\",\"p_event\":0.5,\"spike_trusted\":1}", "field 'spike_trusted' must be true or false, got number 1")]
    [TestCase("{\"node_id\":\"ffffffffffff\",\"model\":\"m\",\"label\":\"event\",\"p_event\":0.5}", "field 'node_id' is 'ffffffffffff' on the topic of node a1b2c3d4e5f6")]
    [TestCase("label=event", "malformed JSON")]
    public void A_broken_inference_event_is_refused_with_the_reason(string payload, string reason)
    {
        var (e, rejection) = TelemetryParser.ParseEvent(System.Text.Encoding.UTF8.GetBytes(payload), "a1b2c3d4e5f6");
        Assert.That(e, Is.Null);
        Assert.That(rejection, Does.StartWith(reason));
    }

    [TestCase("", "empty payload")]
    [TestCase("{\"node_id\":", "malformed JSON")]
    [TestCase("[1,2]", "payload must be a JSON object, got array")]
    [TestCase("{\"v\":4,\"node_id\":\"a1b2c3d4e5f6\"}", "unknown protocol version 4 (supported: 1, 2, 3)")]
    [TestCase("{\"v\":\"2\",\"node_id\":\"a1b2c3d4e5f6\"}", "field 'v' must be an integer, got string '2'")]
    [TestCase("{\"v\":2.5,\"node_id\":\"a1b2c3d4e5f6\"}", "field 'v' must be an integer, got number 2.5")]
    [TestCase("{\"temp\":1}", "missing field 'node_id'")]
    [TestCase("{\"node_id\":\"A1B2C3D4E5F6\"}", "field 'node_id' must be 12 lowercase hex digits, got 'A1B2C3D4E5F6'")]
    [TestCase("{\"node_id\":42}", "field 'node_id' must be a string, got number 42")]
    [TestCase("{\"node_id\":\"a1b2c3d4e5f6\",\"temp\":\"hot\"}", "field 'temp' must be a number, got string 'hot'")]
    [TestCase("{\"node_id\":\"a1b2c3d4e5f6\",\"humidity\":140}", "field 'humidity' out of range [0, 100]: 140")]
    [TestCase("{\"node_id\":\"a1b2c3d4e5f6\",\"temp\":1,\"temp\":2}", "duplicate field 'temp' in payload")]
    [TestCase("{\"v\":2,\"node_id\":\"a1b2c3d4e5f6\",\"seq\":1}", "missing field 'boot'")]
    [TestCase("{\"v\":2,\"node_id\":\"a1b2c3d4e5f6\",\"boot\":1,\"seq\":-1}", "field 'seq' out of range [0, 4294967295]: -1")]
    [TestCase("{\"v\":2,\"node_id\":\"a1b2c3d4e5f6\",\"boot\":1,\"seq\":1,\"battery_mv\":true}", "field 'battery_mv' must be an integer, got boolean true")]
    [TestCase("{\"v\":3,\"node_id\":\"a1b2c3d4e5f6\",\"boot\":1,\"seq\":1,\"audio\":{\"rms\":1,\"spike_ratio\":1,\"bins\":[1,2]}}", "field 'audio.bins' must hold 16 numbers, got 2")]
    [TestCase("{\"v\":3,\"node_id\":\"a1b2c3d4e5f6\",\"boot\":1,\"seq\":1,\"inference\":{\"model\":\"m\",\"label\":\"bees\",\"p_event\":0.5}}", "field 'inference.label' must be 'normal' or 'event', got 'bees'")]
    [TestCase("{\"v\":3,\"node_id\":\"a1b2c3d4e5f6\",\"boot\":1,\"seq\":1,\"inference\":[]}", "inference must be a JSON object, got array")]
    [TestCase("{\"v\":3,\"node_id\":\"a1b2c3d4e5f6\",\"boot\":1,\"seq\":1,\"inference\":{\"model\":\"m\",\"model_version\":\"2\",\"label\":\"event\",\"p_event\":0.5}}", "field 'inference.model_version' must be an integer, got string '2'")]
    [TestCase("\"a1b2c3d4e5f6\"", "payload must be a JSON object, got string 'a1b2c3d4e5f6'")]
    [TestCase("{\"node_id\":\"a1b2c3d4e5f6\"} x", "malformed JSON: 'x' is invalid after a single JSON value")]
    [TestCase("{\"v\":9,\"node_id\":\"a1b2c3d4e5f6\",\"temp\":", "malformed JSON")]
    [TestCase("{\"node_id\":\"a1b2c3d4e5f6\",\"x\":[[[[[[[[1]]]]]]]]}", "malformed JSON")]
    [TestCase("{\"v\":9,\"node_id\":\"a1b2c3d4e5f6\",\"x\":1,\"x\":2}", "duplicate field 'x' in payload")]
    [TestCase("{\"node_id\":\"a1b2c3d4e5f6\",\"temp\":1,\"t\\u0065mp\":2}", "duplicate field 'temp' in payload")]
    [TestCase("{\"v\":2,\"seq\":\"x\",\"boot\":\"y\",\"node_id\":\"a1b2c3d4e5f6\"}", "field 'boot' must be an integer, got string 'y'")]
    [TestCase("{\"v\":2,\"node_id\":\"a1b2c3d4e5f6\",\"fw\":\"\",\"boot\":1,\"seq\":1}", "field 'fw' must be 1 to 32 characters, got 0")]
    [TestCase("{\"v\":3,\"node_id\":\"a1b2c3d4e5f6\",\"boot\":1,\"seq\":1,\"audio\":5}", "audio must be a JSON object, got number 5")]
    [TestCase("{\"v\":3,\"node_id\":\"a1b2c3d4e5f6\",\"boot\":1,\"seq\":1,\"audio\":{\"rms\":1,\"rms\":1}}", "duplicate field 'rms' in audio")]
    [TestCase("{\"v\":3,\"node_id\":\"a1b2c3d4e5f6\",\"boot\":1,\"seq\":1,\"audio\":{\"spike_ratio\":1}}", "missing field 'audio.rms'")]
    [TestCase("{\"v\":3,\"node_id\":\"a1b2c3d4e5f6\",\"boot\":1,\"seq\":1,\"audio\":{\"rms\":1,\"spike_ratio\":1,\"bins\":{}}}", "field 'audio.bins' must be an array, got object")]
    [TestCase("{\"v\":3,\"node_id\":\"a1b2c3d4e5f6\",\"boot\":1,\"seq\":1,\"audio\":{\"rms\":1,\"spike_ratio\":1,\"bins\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,[15],16]}}", "field 'audio.bins[14]' must be a number, got array")]
    public void Rejections_name_the_field_and_the_problem(string payload, string reason)
    {
        var result = TelemetryParser.Parse(payload);
        Assert.That(result.IsValid, Is.False);
        Assert.That(result.Rejection, Does.StartWith(reason));
    }

    [TestCase("{\"node_id\":\"a1b2c3d4e5f6\",\"temp\":1e400}", "field 'temp' out of range [-80, 150]: 1e400 is not a finite number")]
    [TestCase("{\"v\":2,\"node_id\":\"a1b2c3d4e5f6\",\"boot\":1,\"seq\":1,\"temperature_c\":-1e400}", "field 'temperature_c' out of range [-80, 150]: -1e400 is not a finite number")]
    [TestCase("{\"v\":2,\"node_id\":\"a1b2c3d4e5f6\",\"boot\":1,\"seq\":99999999999999999999}", "field 'seq' out of range [0, 4294967295]: 99999999999999999999")]
    [TestCase("{\"v\":3,\"node_id\":\"a1b2c3d4e5f6\",\"boot\":1,\"seq\":1,\"audio\":{\"rms\":1,\"spike_ratio\":1,\"bins\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,1e999,16]}}", "field 'audio.bins[14]' is not a finite number: 1e999")]
    public void A_number_too_large_for_its_field_is_out_of_range_not_a_non_number(string payload, string reason)
    {
        var result = TelemetryParser.Parse(payload);
        Assert.That(result.IsValid, Is.False);
        Assert.That(result.Rejection, Is.EqualTo(reason));
    }

    [Test]
    public void Fields_a_version_does_not_read_are_not_judged_and_names_may_be_escaped()
    {
        var v2 = TelemetryParser.Parse("""{"v":2,"node_id":"a1b2c3d4e5f6","boot":1,"seq":1,"audio":5,"a":{"b":1,"b":2}}""");
        Assert.That(v2.IsValid, Is.True, v2.Rejection);
        Assert.That(v2.Message!.Audio, Is.Null);
        var escaped = TelemetryParser.Parse("""{"n\u006fde_id":"a1b2c3d4e5f6","te\u006dp":21.5,"humidity":5}""");
        Assert.That((escaped.Message?.NodeId, escaped.Message?.TemperatureC), Is.EqualTo(("a1b2c3d4e5f6", (double?)21.5)), escaped.Rejection);
    }

    [Test]
    public void Invalid_utf8_and_oversized_payloads_are_refused()
    {
        Assert.That(TelemetryParser.Parse([0x7b, 0xff, 0xfe, 0x7d]).Rejection, Does.StartWith("payload is not valid UTF-8 (first bad byte at offset 1)"));
        var big = new byte[TelemetryParser.MaxPayloadBytes + 1];
        Assert.That(TelemetryParser.Parse(big).Rejection, Does.StartWith("payload too large"));
    }
}
