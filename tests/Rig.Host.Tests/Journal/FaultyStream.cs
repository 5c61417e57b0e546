using System;
using System.IO;
using System.Threading;

namespace Rig.Host.Tests.Journal;

/// <summary>An in-memory journal target that counts syncs and can be made to fail like a full disk.</summary>
internal sealed class FaultyStream : MemoryStream
{
    private Exception? _failWith;
    private int _syncCount;

    /// <summary>Thrown by every later write and flush; null writes normally.</summary>
    public Exception? FailWith
    {
        get => Volatile.Read(ref _failWith);
        set => Volatile.Write(ref _failWith, value);
    }

    /// <summary>How often the writer forced data "to disk"; for a non-file stream that is <see cref="Flush"/>.</summary>
    public int SyncCount => Volatile.Read(ref _syncCount);

    public override void Write(byte[] buffer, int offset, int count)
    {
        ThrowIfFailing();
        base.Write(buffer, offset, count);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfFailing();
        base.Write(buffer);
    }

    public override void Flush()
    {
        ThrowIfFailing();
        Interlocked.Increment(ref _syncCount);
    }

    private void ThrowIfFailing()
    {
        if (FailWith is Exception failure)
        {
            throw failure;
        }
    }
}
