namespace Hil.Harness.Targets.Serial;

/// <summary>
/// One thread for every open serial port: it poll()s the ports' descriptors and wakes the reads
/// and writes waiting on them, so a port costs no thread of its own. A pipe interrupts poll()
/// whenever a new wait is registered.
/// </summary>
internal sealed class SerialPoller
{
    private static readonly Lazy<SerialPoller> LazyShared = new(() => new SerialPoller());
    private readonly object _gate = new();
    private readonly List<(int Fd, short Events, TaskCompletionSource Ready)> _waits = new();
    private readonly int _wakeRead;
    private readonly int _wakeWrite;

    private unsafe SerialPoller()
    {
        int* fds = stackalloc int[2];
        if (Termios.Pipe2(fds, Termios.ONonBlock | Termios.OCloExec) != 0)
            throw new IOException($"Cannot create the serial poller's wake pipe: {Termios.LastError()}");
        _wakeRead = fds[0];
        _wakeWrite = fds[1];
        new Thread(Loop) { IsBackground = true, Name = "hil-serial-poll" }.Start();
    }

    public static SerialPoller Shared => LazyShared.Value;

    /// <summary>Completes when <paramref name="fd"/> is ready for <paramref name="events"/> (or hung up, or failed).</summary>
    public async Task WaitAsync(int fd, short events, CancellationToken cancellationToken)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entry = (fd, events, ready);
        lock (_gate) _waits.Add(entry);
        Wake();
        await using (cancellationToken.Register(() => { lock (_gate) _waits.Remove(entry); ready.TrySetCanceled(cancellationToken); }))
        {
            await ready.Task.ConfigureAwait(false);
        }
    }

    private unsafe void Wake()
    {
        byte one = 1;
        Termios.Write(_wakeWrite, &one, 1); // a full pipe already means "wake up"
    }

    private unsafe void Loop()
    {
        var buffer = new byte[64];
        while (true)
        {
            (int Fd, short Events, TaskCompletionSource Ready)[] waits;
            lock (_gate) waits = _waits.ToArray();
            var fds = new Termios.PollFd[waits.Length + 1];
            fds[0] = new Termios.PollFd { Fd = _wakeRead, Events = Termios.PollIn };
            for (int i = 0; i < waits.Length; i++) fds[i + 1] = new Termios.PollFd { Fd = waits[i].Fd, Events = waits[i].Events };
            fixed (Termios.PollFd* p = fds)
            {
                if (Termios.Poll(p, (nuint)fds.Length, -1) < 0) continue; // EINTR
            }
            if (fds[0].Revents != 0)
            {
                fixed (byte* b = buffer) while (Termios.Read(_wakeRead, b, buffer.Length) > 0) { }
            }
            for (int i = 0; i < waits.Length; i++)
            {
                if (fds[i + 1].Revents == 0) continue;
                lock (_gate) _waits.Remove(waits[i]);
                waits[i].Ready.TrySetResult();
            }
        }
    }
}
