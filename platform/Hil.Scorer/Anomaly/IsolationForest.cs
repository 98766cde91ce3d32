namespace Hil.Scorer.Anomaly;

/// <summary>
/// Isolation Forest (Liu, Ting and Zhou, 2008): trees grown on random subsamples by random splits
/// on random features; anomalies are isolated in few splits. Score s(x) = 2^(−E[h(x)] / c(ψ)), where
/// h is the path length (plus c(size) for an unsplit leaf), ψ the subsample size and
/// c(n) = 2H(n−1) − 2(n−1)/n the average path length of an unsuccessful BST search. s is in (0, 1]:
/// near 1 anomalous, well below 0.5 normal.
/// </summary>
public sealed class IsolationForest
{
    private const double EulerGamma = 0.5772156649015329;
    private readonly Node[] _trees;
    private readonly int _subsample;

    private IsolationForest(Node[] trees, int subsample, int features)
    {
        _trees = trees;
        _subsample = subsample;
        FeatureCount = features;
    }

    public int FeatureCount { get; }

    public static IsolationForest Train(IReadOnlyList<double[]> data, int seed, int trees = 100, int subsample = 256)
    {
        if (data.Count < 2) throw new ArgumentException($"an isolation forest needs at least 2 rows (got {data.Count})");
        if (trees < 1) throw new ArgumentOutOfRangeException(nameof(trees), trees, "at least one tree");
        int features = data[0].Length;
        if (data.Any(r => r.Length != features)) throw new ArgumentException("every row must have the same number of features");
        if (data.Any(r => r.Any(v => !double.IsFinite(v)))) throw new ArgumentException("rows must be finite (encode missing values first)");
        int psi = Math.Min(subsample, data.Count);
        int heightLimit = (int)Math.Ceiling(Math.Log2(psi));
        var random = new Random(seed);
        var forest = new Node[trees];
        var indices = Enumerable.Range(0, data.Count).ToArray();
        for (int t = 0; t < trees; t++)
        {
            for (int i = 0; i < psi; i++) // partial Fisher–Yates: a sample without replacement
            {
                int j = random.Next(i, indices.Length);
                (indices[i], indices[j]) = (indices[j], indices[i]);
            }
            forest[t] = Grow(data, indices[..psi], 0, heightLimit, random);
        }
        return new IsolationForest(forest, psi, features);
    }

    /// <summary>The anomaly score of <paramref name="row"/>, in (0, 1].</summary>
    public double Score(ReadOnlySpan<double> row)
    {
        if (row.Length != FeatureCount) throw new ArgumentException($"expected {FeatureCount} features, got {row.Length}");
        double total = 0;
        foreach (Node tree in _trees) total += PathLength(tree, row, 0);
        return Math.Pow(2, -(total / _trees.Length) / C(_subsample));
    }

    /// <summary>c(n): the average path length of an unsuccessful search in a binary search tree of n points.</summary>
    public static double C(int n) => n switch
    {
        <= 1 => 0,
        2 => 1,
        _ => 2 * (Math.Log(n - 1) + EulerGamma) - 2.0 * (n - 1) / n,
    };

    private static Node Grow(IReadOnlyList<double[]> data, int[] rows, int depth, int limit, Random random)
    {
        if (depth >= limit || rows.Length <= 1) return Node.Leaf(rows.Length);
        int features = data[rows[0]].Length;
        // pick a feature that still varies within this node; a node of identical rows is a leaf
        int start = random.Next(features);
        for (int k = 0; k < features; k++)
        {
            int f = (start + k) % features;
            double min = double.MaxValue, max = double.MinValue;
            foreach (int r in rows)
            {
                min = Math.Min(min, data[r][f]);
                max = Math.Max(max, data[r][f]);
            }
            if (max <= min) continue;
            double split = min + random.NextDouble() * (max - min);
            int[] left = rows.Where(r => data[r][f] < split).ToArray();
            int[] right = rows.Where(r => data[r][f] >= split).ToArray();
            return Node.Split(f, split, Grow(data, left, depth + 1, limit, random), Grow(data, right, depth + 1, limit, random));
        }
        return Node.Leaf(rows.Length);
    }

    private static double PathLength(Node node, ReadOnlySpan<double> row, int depth)
    {
        while (node.Left is not null)
        {
            node = row[node.Feature] < node.Threshold ? node.Left : node.Right!;
            depth++;
        }
        return depth + C(node.Size);
    }

    /// <summary>The trained trees as plain arrays (for the model file); <see cref="FromData"/> restores an identical forest.</summary>
    public IsolationForestData ToData()
    {
        var trees = new List<TreeData>(_trees.Length);
        foreach (Node root in _trees)
        {
            var (features, thresholds, sizes) = (new List<int>(), new List<double>(), new List<int>());
            var stack = new Stack<Node>([root]);
            while (stack.Count > 0) // preorder: a split is followed by its left subtree, then its right
            {
                Node node = stack.Pop();
                features.Add(node.Feature);
                thresholds.Add(node.Threshold);
                sizes.Add(node.Size);
                if (node.Left is null) continue;
                stack.Push(node.Right!);
                stack.Push(node.Left);
            }
            trees.Add(new TreeData([.. features], [.. thresholds], [.. sizes]));
        }
        return new IsolationForestData(_subsample, FeatureCount, trees);
    }

    public static IsolationForest FromData(IsolationForestData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Subsample < 1 || data.Features < 1 || data.Trees is not { Count: > 0 })
            throw new FormatException("an isolation forest needs a positive subsample size, feature count and at least one tree");
        var trees = new Node[data.Trees.Count];
        for (int t = 0; t < trees.Length; t++)
        {
            TreeData tree = data.Trees[t];
            if (tree.Feature.Length == 0 || tree.Threshold.Length != tree.Feature.Length || tree.Size.Length != tree.Feature.Length)
                throw new FormatException($"tree {t}: feature, threshold and size arrays must be non-empty and equally long");
            int next = 0;
            trees[t] = Read(tree, ref next, data.Features, t);
            if (next != tree.Feature.Length) throw new FormatException($"tree {t}: {tree.Feature.Length - next} nodes left over");
        }
        return new IsolationForest(trees, data.Subsample, data.Features);
    }

    private static Node Read(TreeData tree, ref int next, int features, int t)
    {
        if (next >= tree.Feature.Length) throw new FormatException($"tree {t} ends inside a split");
        int at = next++;
        int feature = tree.Feature[at];
        if (feature < 0) return Node.Leaf(tree.Size[at]);
        if (feature >= features) throw new FormatException($"tree {t} splits on feature {feature}, but there are {features}");
        Node left = Read(tree, ref next, features, t);
        Node right = Read(tree, ref next, features, t);
        return Node.Split(feature, tree.Threshold[at], left, right);
    }

    private sealed record Node(int Feature, double Threshold, Node? Left, Node? Right, int Size)
    {
        public static Node Leaf(int size) => new(-1, 0, null, null, size);
        public static Node Split(int feature, double threshold, Node left, Node right) => new(feature, threshold, left, right, 0);
    }
}

/// <summary>A forest as data: per tree, its nodes in preorder (feature −1 marks a leaf, whose size is kept).</summary>
public sealed record IsolationForestData(int Subsample, int Features, IReadOnlyList<TreeData> Trees);

public sealed record TreeData(int[] Feature, double[] Threshold, int[] Size);
