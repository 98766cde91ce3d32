using Hil.Scorer.Edge;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Random;

namespace Hil.Scorer.Training;

public sealed record MlpTrainingOptions
{
    public int Seed { get; init; } = 1;
    public int Epochs { get; init; } = 60;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 0.003;
    public double WeightDecay { get; init; } = 1e-4;
    public string Name { get; init; } = BeeModel.NamePrefix + "2";
    public int Version { get; init; } = 2;

    public void Validate()
    {
        if (Epochs < 1 || BatchSize < 1) throw new ArgumentException($"epochs and batch size must be positive (got {Epochs}, {BatchSize})");
        if (LearningRate is <= 0 or > 1) throw new ArgumentException($"learning rate must be in (0, 1] (got {LearningRate})");
        if (Version < 1) throw new ArgumentException($"model version must be at least 1 (got {Version})");
    }
}

/// <summary>
/// Trains the 20 → 64 → 32 → 2 network (ReLU, softmax cross-entropy) by mini-batch gradient
/// descent with Adam on MathNet matrices, in double; the result is rounded to float once, in the
/// firmware's layout. Inputs are standardised (mean and 1/std per input become the model's
/// normalisation). Everything random comes from the seed, so the same data and seed give the same
/// weights bit for bit.
/// </summary>
public static class MlpTrainer
{
    private static readonly MatrixBuilder<double> M = Matrix<double>.Build;

    public static BeeModel Train(IReadOnlyList<BeeExample> examples, MlpTrainingOptions options)
    {
        options.Validate();
        if (examples.Count < 2) throw new ArgumentException("training needs at least two examples");
        var random = new MersenneTwister(options.Seed, threadSafe: false);
        (double[] mean, double[] scale) = Standardisation(examples);
        Matrix<double> x = M.Dense(examples.Count, BeeModel.Inputs, (r, c) => (examples[r].Inputs[c] - mean[c]) * scale[c]);
        Matrix<double> y = M.Dense(examples.Count, 2, (r, c) => (c == 1) == examples[r].IsEvent ? 1 : 0);

        var layers = new[]
        {
            new Layer(BeeModel.Inputs, BeeModel.Hidden1, random),
            new Layer(BeeModel.Hidden1, BeeModel.Hidden2, random),
            new Layer(BeeModel.Hidden2, BeeModel.Outputs, random),
        };
        int[] order = Enumerable.Range(0, examples.Count).ToArray();
        int step = 0;
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            Shuffle(order, random);
            for (int start = 0; start < order.Length; start += options.BatchSize)
            {
                int[] batch = order[start..Math.Min(order.Length, start + options.BatchSize)];
                Matrix<double> xb = M.Dense(batch.Length, BeeModel.Inputs, (r, c) => x[batch[r], c]);
                Matrix<double> yb = M.Dense(batch.Length, 2, (r, c) => y[batch[r], c]);
                step++;
                TrainStep(layers, xb, yb, options, step);
            }
        }
        float[] F(IEnumerable<double> v) => v.Select(d => (float)d).ToArray();
        float[] Rows(Matrix<double> w) => F(w.ToRowMajorArray());
        return new BeeModel(options.Name, options.Version, F(mean), F(scale),
            Rows(layers[0].W), F(layers[0].B), Rows(layers[1].W), F(layers[1].B), Rows(layers[2].W), F(layers[2].B));
    }

    private static void TrainStep(Layer[] layers, Matrix<double> x, Matrix<double> y, MlpTrainingOptions options, int step)
    {
        Matrix<double> z1 = layers[0].Forward(x), a1 = z1.Map(Relu);
        Matrix<double> z2 = layers[1].Forward(a1), a2 = z2.Map(Relu);
        Matrix<double> z3 = layers[2].Forward(a2);
        Matrix<double> gradient = Softmax(z3).Subtract(y).Divide(x.RowCount);
        Matrix<double> d2 = layers[2].Backward(a2, gradient).PointwiseMultiply(z2.Map(Step));
        Matrix<double> d1 = layers[1].Backward(a1, d2).PointwiseMultiply(z1.Map(Step));
        layers[0].Backward(x, d1);
        foreach (Layer layer in layers) layer.Update(options.LearningRate, options.WeightDecay, step);
    }

    private static double Relu(double v) => v > 0 ? v : 0;
    private static double Step(double v) => v > 0 ? 1 : 0;

    internal static Matrix<double> Softmax(Matrix<double> z) => M.Dense(z.RowCount, z.ColumnCount, (r, c) =>
    {
        double max = z.Row(r).Maximum();
        return Math.Exp(z[r, c] - max) / z.Row(r).Sum(v => Math.Exp(v - max));
    });

    private static (double[] Mean, double[] Scale) Standardisation(IReadOnlyList<BeeExample> examples)
    {
        var mean = new double[BeeModel.Inputs];
        var scale = new double[BeeModel.Inputs];
        for (int c = 0; c < BeeModel.Inputs; c++)
        {
            double m = examples.Average(e => (double)e.Inputs[c]);
            double sd = Math.Sqrt(examples.Average(e => (e.Inputs[c] - m) * (e.Inputs[c] - m)));
            mean[c] = m;
            scale[c] = 1 / Math.Max(sd, 1e-6);
        }
        return (mean, scale);
    }

    private static void Shuffle(int[] order, System.Random random)
    {
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    /// <summary>A dense layer W [out × in], b [out], with its Adam moments.</summary>
    private sealed class Layer
    {
        private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;
        private readonly Matrix<double> _mW, _vW;
        private readonly Vector<double> _mB, _vB;
        private Matrix<double> _gW;
        private Vector<double> _gB;

        public Layer(int inputs, int outputs, System.Random random)
        {
            var he = new Normal(0, Math.Sqrt(2.0 / inputs), random);
            W = M.Dense(outputs, inputs, (_, _) => he.Sample());
            B = Vector<double>.Build.Dense(outputs);
            _mW = M.Dense(outputs, inputs);
            _vW = M.Dense(outputs, inputs);
            _mB = Vector<double>.Build.Dense(outputs);
            _vB = Vector<double>.Build.Dense(outputs);
            _gW = M.Dense(outputs, inputs);
            _gB = Vector<double>.Build.Dense(outputs);
        }

        public Matrix<double> W { get; }
        public Vector<double> B { get; }

        public Matrix<double> Forward(Matrix<double> input)
        {
            Matrix<double> z = input.TransposeAndMultiply(W);
            for (int r = 0; r < z.RowCount; r++) z.SetRow(r, z.Row(r) + B);
            return z;
        }

        /// <summary>Stores the gradients for <see cref="Update"/>; returns the gradient with respect to the input.</summary>
        public Matrix<double> Backward(Matrix<double> input, Matrix<double> outputGradient)
        {
            _gW = outputGradient.TransposeThisAndMultiply(input);
            _gB = outputGradient.ColumnSums();
            return outputGradient * W;
        }

        public void Update(double learningRate, double weightDecay, int step)
        {
            double c1 = 1 - Math.Pow(Beta1, step), c2 = 1 - Math.Pow(Beta2, step);
            for (int r = 0; r < W.RowCount; r++)
            {
                for (int c = 0; c < W.ColumnCount; c++)
                {
                    double g = _gW[r, c] + weightDecay * W[r, c];
                    _mW[r, c] = Beta1 * _mW[r, c] + (1 - Beta1) * g;
                    _vW[r, c] = Beta2 * _vW[r, c] + (1 - Beta2) * g * g;
                    W[r, c] -= learningRate * (_mW[r, c] / c1) / (Math.Sqrt(_vW[r, c] / c2) + Epsilon);
                }
                double gb = _gB[r];
                _mB[r] = Beta1 * _mB[r] + (1 - Beta1) * gb;
                _vB[r] = Beta2 * _vB[r] + (1 - Beta2) * gb * gb;
                B[r] -= learningRate * (_mB[r] / c1) / (Math.Sqrt(_vB[r] / c2) + Epsilon);
            }
        }
    }
}
