namespace Hil.Scorer.Anomaly;

/// <summary>
/// The values of the last <c>span</c> of time: running sums for mean and standard deviation, and a sorted
/// copy for the median (insert and remove by binary search; windows hold at most a day of readings).
/// </summary>
internal sealed class RollingWindow(TimeSpan span)
{
    private readonly Queue<(DateTimeOffset Time, double Value)> _values = new();
    private readonly List<double> _sorted = [];
    private double _sum, _sumSquares;

    public int Count => _values.Count;

    public void Add(DateTimeOffset time, double value)
    {
        _values.Enqueue((time, value));
        _sum += value;
        _sumSquares += value * value;
        int at = _sorted.BinarySearch(value);
        _sorted.Insert(at < 0 ? ~at : at, value);
    }

    /// <summary>Drops what is older than the span before <paramref name="now"/>.</summary>
    public void Expire(DateTimeOffset now)
    {
        while (_values.Count > 0 && _values.Peek().Time <= now - span)
        {
            double old = _values.Dequeue().Value;
            _sum -= old;
            _sumSquares -= old * old;
            _sorted.RemoveAt(_sorted.BinarySearch(old));
        }
        if (_values.Count == 0) _sum = _sumSquares = 0; // no drift of the running sums across empty spells
    }

    public double Mean(double fallback) => _values.Count == 0 ? fallback : _sum / _values.Count;

    public double Std()
    {
        if (_values.Count < 2) return 0;
        double mean = _sum / _values.Count;
        return Math.Sqrt(Math.Max(0, _sumSquares / _values.Count - mean * mean));
    }

    public double Median(double fallback)
    {
        int n = _sorted.Count;
        if (n == 0) return fallback;
        return n % 2 == 1 ? _sorted[n / 2] : (_sorted[n / 2 - 1] + _sorted[n / 2]) / 2;
    }
}
