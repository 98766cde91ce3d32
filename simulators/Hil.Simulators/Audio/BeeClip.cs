namespace Hil.Simulators.Audio;

/// <summary>What the hive is doing in a clip.</summary>
public enum HiveSound
{
    /// <summary>A calm colony: a hum around 200–300 Hz with harmonics and slow amplitude modulation.</summary>
    Normal,
    /// <summary>A queen piping: tooting pulses around 400–500 Hz with harmonics, about one per second, over the hum.</summary>
    Piping,
    /// <summary>Queens quacking from their cells: shorter, lower pulses (about 330–390 Hz) over the hum.</summary>
    Quacking,
    /// <summary>Pre-swarm agitation: the hum louder (1.8–3×), higher and broader, with more broadband buzz.</summary>
    PreSwarm,
}

/// <summary>Sound from outside the hive.</summary>
public enum OutsideNoise { None, Rain, Wind, Voices }

/// <summary>How to make one clip. <see cref="Level"/> is the RMS (full scale 1) of the calm hive this clip comes from.</summary>
public sealed record BeeClipOptions
{
    public const int SampleRate = 16000;
    public const double DefaultSnrDb = 15;

    public HiveSound Sound { get; init; } = HiveSound.Normal;
    public OutsideNoise Noise { get; init; } = OutsideNoise.None;
    public double Seconds { get; init; } = 6;
    public int Seed { get; init; } = 1;

    /// <summary>Hive sound to outside noise, in dB (ignored without noise).</summary>
    public double SnrDb { get; init; } = DefaultSnrDb;

    public double Level { get; init; } = 0.05;

    public void Validate()
    {
        if (Seconds is <= 0 or > 600) throw new ArgumentException($"clip length must be in (0, 600] seconds (got {Seconds})");
        if (Level is <= 0 or > 0.3) throw new ArgumentException($"hive level must be an RMS in (0, 0.3] (got {Level})");
        if (double.IsNaN(SnrDb) || SnrDb is < -30 or > 80) throw new ArgumentException($"SNR must be in [-30, 80] dB (got {SnrDb})");
    }
}

/// <summary>A generated clip with its label: 16 kHz mono, 16-bit.</summary>
public sealed record BeeClip(BeeClipOptions Options, short[] Samples)
{
    /// <summary>What the bee-event detector should say: piping, quacking and pre-swarm agitation are events.</summary>
    public bool IsEvent => Options.Sound != HiveSound.Normal;

    /// <summary>"normal", "piping", "quacking" or "preswarm", with "+rain" etc. when noise is mixed in.</summary>
    public string Label => Options.Sound.ToString().ToLowerInvariant() +
                           (Options.Noise == OutsideNoise.None ? "" : "+" + Options.Noise.ToString().ToLowerInvariant());
}
