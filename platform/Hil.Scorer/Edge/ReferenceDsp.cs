namespace Hil.Scorer.Edge;

/// <summary>
/// The firmware's audio pipeline (firmware/core/dsp.c) in C#, float for float and in the same order,
/// so that it gives the same bits: DC removal, gain, 100 Hz high-pass, 6 kHz low-pass (biquad plus
/// first-order section), 512-point Hann-windowed FFT averaged over complete frames, magnitude bins
/// 4..19, RMS in per-512-sample partial sums, and the spike ratio against up to 8 earlier captures.
/// .NET computes float expressions in single precision without fused multiply-adds, as the firmware
/// does under -ffp-contract=off. Twiddles and window are tabulated from the same table the firmware
/// looks up, so they are the same values.
/// </summary>
public sealed class ReferenceDsp
{
    private const int N = DspTables.FftSize;
    private const float DcPole = 0.995f;
    private static readonly float[] Cos = Enumerable.Range(0, N).Select(k => CosK((uint)k)).ToArray();
    private static readonly float[] Window = Enumerable.Range(0, N).Select(i => 0.5f - 0.5f * Cos[i]).ToArray();
    private static readonly float[] Hp = DspTables.HighPass, Lp = DspTables.LowPass, Lp1 = DspTables.LowPassFirstOrder;

    private readonly float[] _re = new float[N], _im = new float[N];
    private readonly float[] _magSum = new float[DspTables.BinCount];
    private readonly float[] _history = new float[DspTables.RmsHistory];
    private int _historyCount, _historyNext;
    private bool _active;
    private float _gain;
    private float _dcX1, _dcY1, _hpZ1, _hpZ2, _lpZ1, _lpZ2, _lp1X1, _lp1Y1;
    private float _sumsqTotal, _sumsqBlock;
    private int _fill, _blockFill;
    private uint _frames, _samples;

    /// <summary>Forgets the RMS history too (dsp_init).</summary>
    public void Reset()
    {
        _active = false;
        _historyCount = 0;
        _historyNext = 0;
    }

    public bool CaptureActive => _active;

    public void Begin(float gain)
    {
        _active = true;
        _gain = gain;
        _dcX1 = _dcY1 = 0;
        _hpZ1 = _hpZ2 = _lpZ1 = _lpZ2 = 0;
        _lp1X1 = _lp1Y1 = 0;
        _fill = 0;
        _sumsqTotal = _sumsqBlock = 0;
        _blockFill = 0;
        _frames = _samples = 0;
        Array.Clear(_magSum);
    }

    public void Feed(ReadOnlySpan<short> samples)
    {
        if (!_active) Begin(_gain > 0f ? _gain : 1f);
        foreach (short sample in samples)
        {
            float x = sample * (1.0f / 32768.0f);
            float y = x - _dcX1 + DcPole * _dcY1;
            _dcX1 = x;
            _dcY1 = y;
            y = y * _gain;

            float hp = Hp[0] * y + _hpZ1;
            _hpZ1 = Hp[1] * y - Hp[3] * hp + _hpZ2;
            _hpZ2 = Hp[2] * y - Hp[4] * hp;
            float lp = Lp[0] * hp + _lpZ1;
            _lpZ1 = Lp[1] * hp - Lp[3] * lp + _lpZ2;
            _lpZ2 = Lp[2] * hp - Lp[4] * lp;
            float z = Lp1[0] * lp + Lp1[1] * _lp1X1 - Lp1[2] * _lp1Y1;
            _lp1X1 = lp;
            _lp1Y1 = z;

            _sumsqBlock = _sumsqBlock + z * z;
            if (++_blockFill == N)
            {
                _sumsqTotal = _sumsqTotal + _sumsqBlock;
                _sumsqBlock = 0;
                _blockFill = 0;
            }
            _samples++;
            _re[_fill++] = z;
            if (_fill == N)
            {
                ProcessFrame();
                _fill = 0;
            }
        }
    }

    public AudioFeatures End()
    {
        float total = _sumsqTotal + _sumsqBlock;
        float rms = _samples != 0 ? MathF.Sqrt(total / _samples) : 0f;
        var bins = new float[DspTables.BinCount];
        for (int b = 0; b < bins.Length; b++) bins[b] = _frames != 0 ? _magSum[b] / _frames : 0f;
        float mean = 0f;
        for (int i = 0; i < _historyCount; i++) mean = mean + _history[i];
        float spike = 1f;
        int history = _historyCount;
        if (_historyCount > 0)
        {
            mean = mean / _historyCount;
            if (mean > 0f) spike = rms / mean;
        }
        _history[_historyNext] = rms;
        _historyNext = (_historyNext + 1) % DspTables.RmsHistory;
        if (_historyCount < DspTables.RmsHistory) _historyCount++;
        _active = false;
        return new AudioFeatures(rms, spike, bins, _frames, _samples, history);
    }

    /// <summary>One whole capture, as the node does for audio frames flagged first … last.</summary>
    public AudioFeatures Capture(ReadOnlySpan<short> clip, float gain = 1f)
    {
        Begin(gain);
        Feed(clip);
        return End();
    }

    private void ProcessFrame()
    {
        for (int i = 0; i < N; i++)
        {
            _re[i] = _re[i] * Window[i];
            _im[i] = 0f;
        }
        Fft(_re, _im);
        for (int b = 0; b < DspTables.BinCount; b++)
        {
            float r = _re[DspTables.FirstBin + b], i = _im[DspTables.FirstBin + b];
            _magSum[b] = _magSum[b] + MathF.Sqrt(r * r + i * i) * 0.0078125f;
        }
        _frames++;
    }

    /// <summary>In-place radix-2 complex FFT of 512 points (dsp_fft).</summary>
    public static void Fft(Span<float> re, Span<float> im)
    {
        for (int i = 1, j = 0; i < N; i++)
        {
            int bit = N >> 1;
            for (; (j & bit) != 0; bit >>= 1) j ^= bit;
            j ^= bit;
            if (i < j)
            {
                (re[i], re[j]) = (re[j], re[i]);
                (im[i], im[j]) = (im[j], im[i]);
            }
        }
        for (int len = 2; len <= N; len <<= 1)
        {
            int stride = N / len, half = len / 2;
            for (int start = 0; start < N; start += len)
            {
                for (int k = 0; k < half; k++)
                {
                    float wr = Cos[k * stride];
                    float wi = -Cos[(k * stride + 3 * N / 4) % N];
                    int a = start + k, b = a + half;
                    float tr = re[b] * wr - im[b] * wi;
                    float ti = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] = re[a] + tr;
                    im[a] = im[a] + ti;
                }
            }
        }
    }

    /// <summary>cos(2πk/N) from the quarter-wave table, with the firmware's symmetries (cos_k).</summary>
    private static float CosK(uint k)
    {
        float[] q = DspTables.CosQuarter;
        k %= N;
        if (k <= N / 4) return q[k];
        if (k <= N / 2) return -q[N / 2 - k];
        if (k <= 3 * N / 4) return -q[k - N / 2];
        return q[N - k];
    }
}
