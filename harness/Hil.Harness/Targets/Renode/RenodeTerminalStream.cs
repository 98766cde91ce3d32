namespace Hil.Harness.Targets.Renode;

/// <summary>
/// A channel's stream on Renode's virtual time: it reads what the UART sends from Renode's server
/// socket terminal, and hands what the harness writes to the timeline, which puts it into the UART
/// through the monitor between steps (<see cref="RenodeUartInput"/>, <see cref="RenodeTimeline"/>).
/// </summary>
internal sealed class RenodeTerminalStream(Stream terminal, Action<ReadOnlyMemory<byte>> input) : Stream
{
    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => terminal.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        terminal.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        terminal.ReadAsync(buffer, offset, count, cancellationToken);

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
        if (disposing) terminal.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => terminal.DisposeAsync();
}
