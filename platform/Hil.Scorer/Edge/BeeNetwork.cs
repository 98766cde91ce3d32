namespace Hil.Scorer.Edge;

/// <summary>What the firmware's nn_run reports (firmware/core/nn.h).</summary>
public sealed record NetworkResult(float PEvent, float PNormal, uint FeaturesHash)
{
    public uint PBits => BitConverter.SingleToUInt32Bits(PEvent);
}

/// <summary>
/// The firmware's network (firmware/core/nn.c) in C#, in the same float operations and order:
/// normalisation, dense layers accumulated from the bias in input order, ReLU, a softmax over two
/// logits with exp from a Taylor polynomial (nn_expf), and the FNV-1a fingerprint of the inputs.
/// </summary>
public sealed class BeeNetwork(BeeModel model)
{
    public BeeModel Model { get; } = model;

    /// <summary>The 20 inputs: temperature_c, humidity_pct, hour, spike_ratio, bins 4..19 (nn_features).</summary>
    public static float[] Features(float temperatureC, float humidityPct, float hour, AudioFeatures? audio)
    {
        var x = new float[BeeModel.Inputs];
        x[0] = temperatureC;
        x[1] = humidityPct;
        x[2] = hour;
        x[3] = audio?.SpikeRatio ?? 1f;
        for (int i = 0; i < DspTables.BinCount; i++) x[4 + i] = audio?.Bins[i] ?? 0f;
        return x;
    }

    public NetworkResult Run(ReadOnlySpan<float> input)
    {
        if (input.Length != BeeModel.Inputs) throw new ArgumentException($"the network takes {BeeModel.Inputs} inputs, got {input.Length}");
        Span<float> x = stackalloc float[BeeModel.Inputs];
        Span<float> h1 = stackalloc float[BeeModel.Hidden1];
        Span<float> h2 = stackalloc float[BeeModel.Hidden2];
        Span<float> z = stackalloc float[BeeModel.Outputs];
        uint hash = Fnv1a.Init;
        for (int i = 0; i < BeeModel.Inputs; i++)
        {
            hash = Fnv1a.Update(hash, BitConverter.SingleToUInt32Bits(input[i]));
            x[i] = (input[i] - Model.InputMean[i]) * Model.InputScale[i];
        }
        Dense(x, Model.W1, Model.B1, h1, relu: true);
        Dense(h1, Model.W2, Model.B2, h2, relu: true);
        Dense(h2, Model.W3, Model.B3, z, relu: false);
        float m = z[0] > z[1] ? z[0] : z[1];
        float e0 = Expf(z[0] - m), e1 = Expf(z[1] - m);
        float sum = e0 + e1;
        return new NetworkResult(e1 / sum, e0 / sum, hash);
    }

    private static void Dense(ReadOnlySpan<float> input, float[] w, float[] b, Span<float> output, bool relu)
    {
        for (int o = 0; o < output.Length; o++)
        {
            float acc = b[o];
            for (int i = 0; i < input.Length; i++) acc = acc + w[o * input.Length + i] * input[i];
            output[o] = relu && acc < 0f ? 0f : acc;
        }
    }

    /// <summary>nn_expf: exp with + - * / only, so every platform agrees bit for bit.</summary>
    public static float Expf(float x)
    {
        if (x > 88.0f) x = 88.0f;
        if (x < -87.0f) return 0f;
        float kf = x * 1.44269504f;
        int k = (int)(kf < 0f ? kf - 0.5f : kf + 0.5f);
        float r = x - k * 0.693145751953125f;
        r = r - k * 1.42860677e-6f;
        float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6.0f + r * (1.0f / 24.0f +
                  r * (1.0f / 120.0f + r * (1.0f / 720.0f + r * (1.0f / 5040.0f)))))));
        float scale = BitConverter.UInt32BitsToSingle((uint)(k + 127) << 23);
        return p * scale;
    }
}

/// <summary>FNV-1a 32 over little-endian bytes.</summary>
public static class Fnv1a
{
    public const uint Init = 0x811C9DC5u;

    public static uint Update(uint hash, uint littleEndianWord)
    {
        for (int b = 0; b < 4; b++)
        {
            hash ^= (byte)(littleEndianWord >> (8 * b));
            hash *= 0x01000193u;
        }
        return hash;
    }
}
