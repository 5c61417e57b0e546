using System;
using System.IO;
using System.Threading;

namespace Rig.Host.Tests.Journal;

/// <summary>An in-memory journal target whose writes can be held, like a disk that stops answering for a while.</summary>
internal sealed class GatedStream : MemoryStream
{
    private readonly ManualResetEventSlim _open = new(true);
    private int _blocked;

    /// <summary>A write is waiting at the gate.</summary>
    public bool Blocked => Volatile.Read(ref _blocked) > 0;

    /// <summary>Later writes wait until <see cref="Release"/>.</summary>
    public void Block() => _open.Reset();

    public void Release() => _open.Set();

    // MemoryStream's span Write calls back into a derived class's array Write: the array overload does the work.
    public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

    public override void Write(byte[] buffer, int offset, int count)
    {
        Interlocked.Increment(ref _blocked);
        _open.Wait(TimeSpan.FromMinutes(1));
        Interlocked.Decrement(ref _blocked);
        lock (_open)
        {
            base.Write(buffer, offset, count);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _open.Dispose();
        }

        base.Dispose(disposing);
    }
}
