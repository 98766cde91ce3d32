using System.Threading.Channels;

namespace Hil.Harness.Targets.Renode;

/// <summary>
/// A channel's stream on Renode's virtual time. What the UART sends is what Renode's file backend for it holds: the
/// timeline reads the bytes a step added and hands them here (<see cref="RenodeUartTap.Pump"/>), so the harness sees
/// exactly what the node sent by the end of the step, without a socket terminal in between. What the harness writes
/// goes to the timeline, which puts it into the UART through the monitor between steps (<see cref="RenodeUartInput"/>).
/// </summary>
internal sealed class RenodeUartStream(Action<ReadOnlyMemory<byte>> input) : Stream
{
    private readonly Channel<byte[]> _output = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private byte[] _current = [];
    private int _offset;

    /// <summary>Bytes the UART sent, for the channel to read.</summary>
    public void Deliver(byte[] bytes)
    {
        if (bytes.Length > 0) _output.Writer.TryWrite(bytes);
    }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_offset == _current.Length)
        {
            if (!await _output.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false)) return 0;
            if (_output.Reader.TryRead(out byte[]? next)) (_current, _offset) = (next, 0);
        }
        int count = Math.Min(buffer.Length, _current.Length - _offset);
        _current.AsMemory(_offset, count).CopyTo(buffer);
        _offset += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => input(buffer.AsMemory(offset, count).ToArray());

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        input(buffer.ToArray());
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        input(buffer.AsMemory(offset, count).ToArray());
        return Task.CompletedTask;
    }

    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _output.Writer.TryComplete();
        base.Dispose(disposing);
    }
}
