using System.CommandLine;
using System.Text;
using Hil.Simulators.Audio;
using Hil.Simulators.Fleet;
using Hil.Simulators.Sensors;

namespace Hil.Cli.Commands;

/// <summary>`hil sim ...`: synthetic sensor readings, bee audio and fleets written to files.</summary>
internal static class SimCommand
{
    public static Command Create()
    {
        var sim = new Command("sim", "Generate synthetic sensor readings (CSV), bee audio (WAV) or fleet identities (CSV)");
        sim.Subcommands.Add(Sensors());
        sim.Subcommands.Add(Audio());
        sim.Subcommands.Add(Fleet());
        return sim;
    }

    private static Option<string> Out() => new("--out", "-o") { Description = "Output file", Required = true };
    private static Option<int> Seed(int fallback) => new("--seed") { Description = "Random seed (same seed, same output)", DefaultValueFactory = _ => fallback };

    private static Command Sensors()
    {
        var hours = new Option<double>("--hours") { Description = "Hours of readings", DefaultValueFactory = _ => 24 };
        var interval = new Option<double>("--interval-s") { Description = "Seconds between readings", DefaultValueFactory = _ => 60 };
        var faults = new Option<int>("--faults") { Description = "Random faults to inject (stuck, spikes, drift, dropout, out of range)", DefaultValueFactory = _ => 0 };
        var start = new Option<DateTimeOffset>("--start") { Description = "First reading (UTC)", DefaultValueFactory = _ => new SensorSimulatorOptions().Start };
        Option<int> seed = Seed(1);
        Option<string> output = Out();
        var command = new Command("sensors", "Temperature, humidity, pressure, light and gas readings as CSV") { hours, interval, faults, start, seed, output };
        command.SetAction((parse, _) => CliErrors.GuardAsync(() =>
        {
            double h = parse.GetValue(hours);
            if (h is <= 0 or > 24 * 3650) throw new ArgumentException($"--hours must be in (0, 87600] (got {h})");
            var span = TimeSpan.FromHours(h);
            DateTimeOffset first = parse.GetValue(start).ToUniversalTime();
            var options = new SensorSimulatorOptions
            {
                Start = first,
                Seed = parse.GetValue(seed),
                Interval = TimeSpan.FromSeconds(parse.GetValue(interval)),
                Faults = FaultPlan.Random(parse.GetValue(seed), first, span, parse.GetValue(faults)),
            };
            var simulator = new SensorSimulator(options);
            string path = parse.GetValue(output)!;
            int rows = 0;
            using (var writer = new StreamWriter(path, false, new UTF8Encoding(false)))
            {
                writer.NewLine = "\n";
                writer.WriteLine(SensorReading.CsvHeader);
                foreach (SensorReading reading in simulator.Generate(span))
                {
                    writer.WriteLine(reading.ToCsv());
                    rows++;
                }
            }
            Console.WriteLine($"wrote {rows} readings to {path}");
            return Task.FromResult(0);
        }));
        return command;
    }

    private static Command Audio()
    {
        string[] kinds = ["normal", "piping", "quacking", "preswarm", "rain", "wind", "voices"];
        var kind = new Option<string>("--kind", "-k") { Description = $"What to hear: {string.Join(", ", kinds)}", DefaultValueFactory = _ => "normal" };
        kind.AcceptOnlyFromAmong(kinds);
        var seconds = new Option<double>("--seconds") { Description = "Clip length", DefaultValueFactory = _ => 6 };
        var noise = new Option<OutsideNoise>("--noise") { Description = "Outside noise mixed into a hive sound: None, Rain, Wind, Voices", DefaultValueFactory = _ => OutsideNoise.None };
        var snr = new Option<double>("--snr-db") { Description = "Hive sound to noise ratio", DefaultValueFactory = _ => BeeClipOptions.DefaultSnrDb };
        Option<int> seed = Seed(1);
        Option<string> output = Out();
        var command = new Command("audio", "A 16 kHz mono 16-bit WAV clip of a hive (or of outside noise alone)") { kind, seconds, noise, snr, seed, output };
        command.SetAction((parse, _) => CliErrors.GuardAsync(() =>
        {
            string k = parse.GetValue(kind)!;
            double length = parse.GetValue(seconds);
            int s = parse.GetValue(seed);
            string path = parse.GetValue(output)!;
            short[] samples;
            string label;
            if (Enum.TryParse(k, ignoreCase: true, out OutsideNoise alone) && alone != OutsideNoise.None)
            {
                samples = NoiseClips.Generate(alone, length, s);
                label = k;
            }
            else
            {
                HiveSound sound = Enum.Parse<HiveSound>(k, ignoreCase: true);
                BeeClip clip = BeeAudioGenerator.Generate(new BeeClipOptions
                {
                    Sound = sound, Seconds = length, Seed = s, Noise = parse.GetValue(noise), SnrDb = parse.GetValue(snr),
                });
                samples = clip.Samples;
                label = clip.Label + (clip.IsEvent ? " (event)" : " (normal)");
            }
            WavFile.WriteMono16(path, samples, BeeClipOptions.SampleRate);
            Console.WriteLine($"wrote {samples.Length} samples ({length:0.###} s, 16 kHz mono 16-bit) to {path}: {label}");
            return Task.FromResult(0);
        }));
        return command;
    }

    private static Command Fleet()
    {
        var count = new Option<int>("--count", "-n") { Description = "Nodes in the fleet", DefaultValueFactory = _ => 10 };
        Option<int> seed = Seed(1);
        Option<string> output = Out();
        var command = new Command("fleet", "Device identities (MAC, node id, name, apiary, firmware and protocol versions) as CSV") { count, seed, output };
        command.SetAction((parse, _) => CliErrors.GuardAsync(() =>
        {
            var fleet = FleetGenerator.Generate(parse.GetValue(count), parse.GetValue(seed));
            var text = new StringBuilder("mac,node_id,name,apiary,latitude,longitude,fw,protocol\n");
            foreach (DeviceIdentity d in fleet)
                text.Append(FormattableString.Invariant($"{d.Mac},{d.NodeId},{d.Name},\"{d.Apiary}\",{d.Latitude},{d.Longitude},{d.FirmwareVersion},{d.ProtocolVersion}\n"));
            File.WriteAllText(parse.GetValue(output)!, text.ToString());
            Console.WriteLine($"wrote {fleet.Count} identities to {parse.GetValue(output)}");
            return Task.FromResult(0);
        }));
        return command;
    }
}
