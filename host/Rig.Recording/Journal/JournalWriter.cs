using System;
using System.Buffers;
using System.Buffers.Binary;
using System.IO;
using System.IO.Hashing;
using System.Threading;
using System.Threading.Tasks;
using Rig.Protocol;

namespace Rig.Recording.Journal;

/// <summary>
/// Appends records to a session journal (a session folder's journal segments, <see cref="Sessions.SessionFolder"/>), the raw record of a session that everything
/// else is derived from.
/// </summary>
/// <remarks>
/// <para>File format, all integers little-endian:</para>
/// <code>
/// file header, 16 bytes:
///   0  8  magic, ASCII "RIGJRNL" followed by 0x00
///   8  2  u16 format version = 1
///  10  2  u16 reserved, 0
///  12  4  u32 reserved, 0
/// then records, back to back until the end of the file:
///   0  4  u32 body length L, 12 &lt;= L &lt;= 12 + 1 MiB (anything else is corruption)
///   4  4  u32 CRC-32 (IEEE, System.IO.Hashing.Crc32) of the L body bytes
///   8  L  body:
///           0  1  u8 record type (JournalRecordType)
///           1  1  u8 topic kind (Rig.Protocol.TopicKind)
///           2  2  u16 reserved, 0
///           4  8  i64 host monotonic nanoseconds (JournalWriter.HostNanos)
///          12  .  payload, L - 12 bytes
/// </code>
/// <para>
/// A crash can leave an incomplete last record (a torn tail); readers return every record before it. Readers ignore the
/// reserved fields; a change that needs them bumps the format version.
/// </para>
/// <para>
/// Durability: <see cref="Append"/> only buffers. A timer from the <see cref="TimeProvider"/> writes the buffer to the
/// operating system every <see cref="JournalWriterOptions.FlushInterval"/> and forces it to disk so that no written byte stays
/// unsynced for more than about <see cref="JournalWriterOptions.SyncInterval"/>. <see cref="Flush"/> and Dispose do both at once.
/// </para>
/// <para>
/// Failure: the first write error is kept in <see cref="Failure"/>; every later <see cref="Append"/> or <see cref="Flush"/> throws
/// <see cref="JournalWriteException"/> carrying it, and Dispose throws it if nothing has reported it yet.
/// </para>
/// </remarks>
public sealed partial class JournalWriter : IDisposable, IAsyncDisposable
{
    private const long NanosPerSecond = 1_000_000_000;

    private readonly Stream _stream;
    private readonly TimeProvider _timeProvider;
    private readonly JournalWriterOptions _options;
    private readonly ITimer _timer;

    // _gate guards the pending buffer, the counters and the state flags and is held only for memory work, so appends
    // never wait on the disk. _writeLock serialises writes to the stream; it is taken before _gate, never after.
    // _syncLock serialises syncs to disk, which run outside _writeLock so that a caller handing records to the operating
    // system (before acknowledging batches) never waits for a slow fsync; it is taken before _writeLock, never after.
    private readonly Lock _gate = new();
    private readonly Lock _writeLock = new();
    private readonly Lock _syncLock = new();

    // The timer's disk work runs here when OwnDiskThread is set: signalled by the timer, stopped by Dispose.
    private readonly Thread? _diskThread;
    private readonly AutoResetEvent _diskDue = new(false);
    private volatile bool _diskStopping;

    private ArrayBufferWriter<byte> _pending = new(64 * 1024);
    private ArrayBufferWriter<byte> _spare = new(64 * 1024);
    private long _recordsWritten;
    private long _bytesWritten;
    private long _bytesFlushed;
    private long _bytesSynced;
    private long _lastFlushHostNanos;
    private long _lastSyncHostNanos;
    private long _lastSyncTimestamp;
    private long _syncs;
    private long _longestSyncTicks;
    private Exception? _failure;
    private bool _failureReported;
    private bool _disposed;
    private bool _closed;

    /// <summary>Writes the file header to <paramref name="stream"/> and forces it out; used directly by tests to inject write failures.</summary>
    internal JournalWriter(Stream stream, string path, TimeProvider timeProvider, JournalWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options ??= JournalWriterOptions.Default;
        options.Validate();

        _stream = stream;
        Path = path;
        _timeProvider = timeProvider;
        _options = options;

        Span<byte> header = stackalloc byte[JournalFormat.FileHeaderLength];
        JournalFormat.WriteFileHeader(header);
        try
        {
            _stream.Write(header);
            SyncStream();
        }
        catch (IOException ex)
        {
            throw JournalWriteException.For(path, ex);
        }

        long now = HostNanos(timeProvider);
        _bytesWritten = _bytesFlushed = _bytesSynced = header.Length;
        _lastFlushHostNanos = _lastSyncHostNanos = now;
        _lastSyncTimestamp = timeProvider.GetTimestamp();

        // Created last: the callback uses every field above.
        if (options.OwnDiskThread)
        {
            _diskThread = new Thread(DiskLoop) { IsBackground = true, Name = "journal disk " + System.IO.Path.GetFileName(path) };
            _diskThread.Start();
            _timer = timeProvider.CreateTimer(static state => ((JournalWriter)state!).SignalDiskWork(), this, options.FlushInterval, options.FlushInterval);
        }
        else
        {
            _timer = timeProvider.CreateTimer(static state => ((JournalWriter)state!).WritePending(SyncMode.IfDue), this, options.FlushInterval, options.FlushInterval);
        }
    }

    /// <summary>Full path of the journal file (or the name given with a test stream).</summary>
    public string Path { get; }

    /// <summary>Records accepted by <see cref="Append"/>, whether still buffered or already written.</summary>
    public long RecordsWritten
    {
        get
        {
            lock (_gate)
            {
                return _recordsWritten;
            }
        }
    }

    /// <summary>Length the file will have once everything buffered is written: header plus every accepted record.</summary>
    public long BytesWritten
    {
        get
        {
            lock (_gate)
            {
                return _bytesWritten;
            }
        }
    }

    /// <summary>Bytes handed to the operating system: survive a crash of this process.</summary>
    public long BytesFlushed
    {
        get
        {
            lock (_gate)
            {
                return _bytesFlushed;
            }
        }
    }

    /// <summary>Bytes forced to disk: survive a power cut.</summary>
    public long BytesSynced
    {
        get
        {
            lock (_gate)
            {
                return _bytesSynced;
            }
        }
    }

    /// <summary>Host monotonic nanoseconds (<see cref="HostNanos"/>) of the last write to the operating system.</summary>
    public long LastFlushHostNanos
    {
        get
        {
            lock (_gate)
            {
                return _lastFlushHostNanos;
            }
        }
    }

    /// <summary>Host monotonic nanoseconds of the last sync to disk.</summary>
    public long LastSyncHostNanos
    {
        get
        {
            lock (_gate)
            {
                return _lastSyncHostNanos;
            }
        }
    }

    /// <summary>Syncs to disk so far, and the longest one (what a slow disk costs the thread that syncs).</summary>
    public (long Count, TimeSpan Longest) Syncs
    {
        get
        {
            lock (_gate)
            {
                return (_syncs, TimeSpan.FromSeconds((double)_longestSyncTicks / _timeProvider.TimestampFrequency));
            }
        }
    }

    /// <summary>The first write error, or null. Once set, the writer accepts nothing more.</summary>
    public Exception? Failure
    {
        get
        {
            lock (_gate)
            {
                return _failure;
            }
        }
    }

    /// <summary>
    /// Creates a new journal at <paramref name="path"/> and writes its header. Never opens an existing file: if one is there,
    /// throws <see cref="JournalExistsException"/> and leaves it untouched. Other processes may read the file while it is written.
    /// </summary>
    public static JournalWriter Create(string path, TimeProvider timeProvider, JournalWriterOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(timeProvider);
        (options ?? JournalWriterOptions.Default).Validate();

        string fullPath = System.IO.Path.GetFullPath(path);
        FileStream file;
        try
        {
            file = new FileStream(fullPath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.Read,

                // Unbuffered: every write of the batched records goes straight to the OS, so "flushed" means what it says.
                BufferSize = 0,
            });
        }
        catch (IOException ex) when (File.Exists(fullPath))
        {
            throw JournalExistsException.At(fullPath, ex);
        }

        try
        {
            return new JournalWriter(file, fullPath, timeProvider, options);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Converts <paramref name="timeProvider"/>'s current timestamp to nanoseconds. Whole seconds and the remainder are scaled
    /// separately so a machine that has been up for years does not overflow the multiplication.
    /// </summary>
    public static long HostNanos(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        long ticks = timeProvider.GetTimestamp();
        long frequency = timeProvider.TimestampFrequency;
        if (frequency == NanosPerSecond)
        {
            return ticks;
        }

        long seconds = Math.DivRem(ticks, frequency, out long remainder);
        long fraction = frequency <= long.MaxValue / NanosPerSecond
            ? remainder * NanosPerSecond / frequency
            : (long)((Int128)remainder * NanosPerSecond / frequency);
        return (seconds * NanosPerSecond) + fraction;
    }

    /// <summary>
    /// Buffers one record. Thread-safe; does no I/O unless <see cref="JournalWriterOptions.BufferLimitBytes"/> is reached.
    /// Throws <see cref="JournalWriteException"/> once a write has failed.
    /// </summary>
    public void Append(JournalRecordType type, TopicKind topic, long hostNanos, ReadOnlySpan<byte> payload)
    {
        if (type is not (JournalRecordType.Received or JournalRecordType.Sent or JournalRecordType.Marker))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "unknown journal record type");
        }

        if (payload.Length > JournalFormat.MaxPayloadLength)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), payload.Length, $"a journal record holds at most {JournalFormat.MaxPayloadLength} payload bytes");
        }

        int bodyLength = JournalFormat.BodyHeaderLength + payload.Length;
        int recordLength = JournalFormat.RecordHeaderLength + bodyLength;
        bool writeThrough;
        lock (_gate)
        {
            ThrowIfUnusable();
            Span<byte> record = _pending.GetSpan(recordLength)[..recordLength];
            Span<byte> body = record[JournalFormat.RecordHeaderLength..];
            body[0] = (byte)type;
            body[1] = (byte)topic;
            BinaryPrimitives.WriteUInt16LittleEndian(body.Slice(2, 2), 0);
            BinaryPrimitives.WriteInt64LittleEndian(body.Slice(4, 8), hostNanos);
            payload.CopyTo(body[JournalFormat.BodyHeaderLength..]);
            BinaryPrimitives.WriteUInt32LittleEndian(record[..4], (uint)bodyLength);
            BinaryPrimitives.WriteUInt32LittleEndian(record.Slice(4, 4), Crc32.HashToUInt32(body));
            _pending.Advance(recordLength);
            _recordsWritten++;
            _bytesWritten += recordLength;
            writeThrough = _pending.WrittenCount >= _options.BufferLimitBytes;
        }

        if (writeThrough)
        {
            WritePending(SyncMode.None);
            lock (_gate)
            {
                ThrowIfFailed();
            }
        }
    }

    /// <summary>
    /// Hands everything buffered to the operating system without forcing it to disk: after this returns, a crash of
    /// this process (even SIGKILL) no longer loses it; only a power cut before the next sync could. The bridge calls it
    /// before acknowledging batches, so the device never forgets a batch the journal might still lose with the process.
    /// Throws <see cref="JournalWriteException"/> if that or an earlier write failed.
    /// </summary>
    public void WriteToOperatingSystem()
    {
        lock (_gate)
        {
            ThrowIfUnusable();
        }

        WritePending(SyncMode.None);
        lock (_gate)
        {
            ThrowIfFailed();
        }
    }

    /// <summary>Writes everything buffered and forces it to disk. Throws <see cref="JournalWriteException"/> if that or an earlier write failed.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            ThrowIfUnusable();
        }

        WritePending(SyncMode.Always);
        lock (_gate)
        {
            ThrowIfFailed();
        }
    }

    /// <summary>
    /// Writes and syncs everything buffered, then closes the file. Throws <see cref="JournalWriteException"/> if a write failed
    /// and no <see cref="Append"/> or <see cref="Flush"/> has reported it yet: losing the end of a session must not go unnoticed.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _timer.Dispose();
        if (_diskThread is not null)
        {
            _diskStopping = true;
            SignalDiskWork();
            _diskThread.Join();
        }

        try
        {
            WritePending(SyncMode.Always);
        }
        finally
        {
            lock (_syncLock)
            {
                lock (_writeLock)
                {
                    _closed = true;
                    _stream.Dispose();
                }
            }

            _diskDue.Dispose();
        }

        lock (_gate)
        {
            if (!_failureReported)
            {
                ThrowIfFailed();
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
        catch (IOException ex)
        {
            // Handed to the awaiter, as an async method would, rather than thrown before it awaits.
            return ValueTask.FromException(ex);
        }
    }

    /// <summary>Caller holds _gate.</summary>
    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfFailed();
    }

    /// <summary>Caller holds _gate.</summary>
    private void ThrowIfFailed()
    {
        if (_failure is not null)
        {
            _failureReported = true;
            throw JournalWriteException.For(Path, _failure);
        }
    }
}
