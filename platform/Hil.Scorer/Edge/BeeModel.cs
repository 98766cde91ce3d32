namespace Hil.Scorer.Edge;

/// <summary>
/// The bee-event network's parameters in the firmware's layout (firmware/core/model_weights.h):
/// input normalisation, then dense 20 → 64 → 32 → 2 with row-major weights [output, input].
/// </summary>
public sealed record BeeModel(
    string Name,
    int Version,
    float[] InputMean,
    float[] InputScale,
    float[] W1, float[] B1,
    float[] W2, float[] B2,
    float[] W3, float[] B3)
{
    public const int Inputs = 20, Hidden1 = 64, Hidden2 = 32, Outputs = 2;
    public const string NamePrefix = "bee-mlp-";

    public void Validate()
    {
        void Check(string what, float[] array, int length)
        {
            if (array.Length != length) throw new InvalidDataException($"model {Name}: {what} has {array.Length} values, expected {length}");
            if (array.Any(v => !float.IsFinite(v))) throw new InvalidDataException($"model {Name}: {what} holds a non-finite value");
        }
        Check("input mean", InputMean, Inputs);
        Check("input scale", InputScale, Inputs);
        Check("w1", W1, Hidden1 * Inputs);
        Check("b1", B1, Hidden1);
        Check("w2", W2, Hidden2 * Hidden1);
        Check("b2", B2, Hidden2);
        Check("w3", W3, Outputs * Hidden2);
        Check("b3", B3, Outputs);
        if (Version < 1) throw new InvalidDataException($"model {Name}: version must be at least 1 (got {Version})");
    }
}
