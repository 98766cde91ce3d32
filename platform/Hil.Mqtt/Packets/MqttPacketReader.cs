namespace Hil.Mqtt.Packets;

/// <summary>Reads whole packets from a byte stream, growing its buffer up to the maximum packet size.</summary>
public sealed class MqttPacketReader(Stream stream, int maxPacketSize = MqttPacketReader.DefaultMaxPacketSize)
{
    public const int DefaultMaxPacketSize = 1024 * 1024;
    private byte[] _buffer = new byte[4096];

    /// <summary>Largest packet accepted; a broker lowers it once it knows who the client is.</summary>
    public int MaxPacketSize { get; set; } = maxPacketSize;
    private int _start;
    private int _end;

    /// <summary>
    /// The next packet, or null when the peer closed the stream between packets. A stream that
    /// ends inside a packet is an <see cref="EndOfStreamException"/>; malformed bytes are an
    /// <see cref="MqttProtocolException"/>.
    /// </summary>
    public async ValueTask<MqttPacket?> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_end > _start &&
                MqttCodec.TryDecode(_buffer.AsSpan(_start, _end - _start), MaxPacketSize, out MqttPacket? packet, out int consumed))
            {
                _start += consumed;
                if (_start == _end) _start = _end = 0;
                return packet;
            }
            MakeRoom();
            int read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (_end == _start) return null;
                throw new EndOfStreamException($"the connection closed inside a packet ({_end - _start} byte(s) of it received)");
            }
            _end += read;
        }
    }

    private void MakeRoom()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            int size = Math.Min(_buffer.Length * 2, MaxPacketSize + 8);
            if (size <= _buffer.Length) throw new MqttProtocolException($"packet exceeds the maximum of {MaxPacketSize} bytes");
            Array.Resize(ref _buffer, size);
        }
    }
}
