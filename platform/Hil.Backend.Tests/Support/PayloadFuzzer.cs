using System.Text;

namespace Hil.Backend.Tests.Support;

/// <summary>
/// Random and mutated telemetry payloads from a seeded generator (a failure is reproducible from its seed):
/// valid v1/v2/v3 messages, then byte flips, truncations, type swaps, deletions and random junk.
/// </summary>
public sealed class PayloadFuzzer(int seed, string node)
{
    private static readonly string Bins = string.Join(',', Enumerable.Range(0, 16));
    private readonly Random _random = new(seed);
    private int _seq;

    public byte[] Next()
    {
        string valid = Valid();
        return _random.Next(8) switch
        {
            0 => Encoding.UTF8.GetBytes(valid),
            1 => Truncate(Encoding.UTF8.GetBytes(valid)),
            2 => FlipBytes(Encoding.UTF8.GetBytes(valid)),
            3 => Encoding.UTF8.GetBytes(SwapValue(valid)),
            4 => Encoding.UTF8.GetBytes(valid.Replace($"\"{Pick("v", "node_id", "boot", "seq", "temp", "audio")}\"", "\"x\"")),
            5 => Junk(),
            6 => Encoding.UTF8.GetBytes(valid.Replace("{", "[").Replace("}", "]")),
            _ => Encoding.UTF8.GetBytes(valid.Insert(valid.Length - 1, $",\"{Pick("v", "seq", "temp_c")}\":{Pick("null", "1e999", "-0", "\"\"", "[]", "{}", "4294967296")}")),
        };
    }

    private string Valid()
    {
        int seq = Interlocked.Increment(ref _seq);
        return _random.Next(3) switch
        {
            0 => $$"""{"node_id":"{{node}}","temp":{{_random.Next(-20, 50)}}.5,"humidity":{{_random.Next(0, 100)}}}""",
            1 => $$"""{"v":2,"node_id":"{{node}}","fw":"2.1.0","boot":1,"seq":{{seq}},"uptime_ms":{{seq * 1000}},"temperature_c":21.5,"humidity_pct":55,"battery_mv":3700,"rssi_dbm":-60,"error_flags":0}""",
            _ => $$"""{"v":3,"node_id":"{{node}}","boot":1,"seq":{{seq}},"temperature_c":21.5,"audio":{"rms":0.02,"spike_ratio":1.2,"bins":[{{Bins}}]},""" +
                 "\"inference\":{\"model\":\"bee-mlp-3\",\"label\":\"normal\",\"p_event\":0.1}}",
        };
    }

    private string Pick(params string[] options) => options[_random.Next(options.Length)];

    private byte[] Truncate(byte[] bytes) => bytes[.._random.Next(bytes.Length)];

    private byte[] FlipBytes(byte[] bytes)
    {
        for (int i = 0, n = _random.Next(1, 4); i < n; i++) bytes[_random.Next(bytes.Length)] = (byte)_random.Next(256);
        return bytes;
    }

    private string SwapValue(string json)
    {
        string[] fields = ["\"boot\":1", "\"temperature_c\":21.5", $"\"node_id\":\"{node}\"", "\"label\":\"normal\"", "\"v\":2", "\"v\":3"];
        string field = Pick(fields);
        string name = field[..(field.IndexOf(':') + 1)];
        return json.Replace(field, name + Pick("\"text\"", "true", "null", "[1]", "{\"a\":1}", "-1", "1.5", "99999999999999999999"));
    }

    private byte[] Junk()
    {
        var bytes = new byte[_random.Next(0, 200)];
        _random.NextBytes(bytes);
        return bytes;
    }
}
