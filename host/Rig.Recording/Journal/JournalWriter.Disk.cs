using System;
using System.Buffers;
using System.IO;

namespace Rig.Recording.Journal;

// The write path: moves the buffered records to the operating system and forces them to disk, from the timer or a
// caller's Flush; the public surface (Create, Append, Flush, Dispose) is in JournalWriter.cs.
public sealed partial class JournalWriter
{
    private enum SyncMode
    {
        None,
        IfDue,
        Always,
    }

    /// <summary>Never throws: a failure is recorded for the callers' threads to throw, because the timer thread must not.</summary>
    private void WritePending(SyncMode mode)
    {
        lock (_writeLock)
        {
            if (_closed)
            {
                return;
            }

            ArrayBufferWriter<byte> batch;
            bool syncDue;
            lock (_gate)
            {
                if (_failure is not null)
                {
                    return;
                }

                // Swapped so appends continue into the other buffer while this one is written.
                batch = _pending;
                _pending = _spare;
                _spare = batch;
                syncDue = mode == SyncMode.Always
                    || (mode == SyncMode.IfDue
                        && _timeProvider.GetElapsedTime(_lastSyncTimestamp) + _options.FlushInterval > _options.SyncInterval);
            }

            try
            {
                int count = batch.WrittenCount;
                if (count > 0)
                {
                    _stream.Write(batch.WrittenSpan);
                    batch.ResetWrittenCount();
                    long now = HostNanos(_timeProvider);
                    lock (_gate)
                    {
                        _bytesFlushed += count;
                        _lastFlushHostNanos = now;
                    }
                }

                long flushed;
                lock (_gate)
                {
                    flushed = _bytesFlushed;
                    syncDue &= _bytesSynced < flushed;
                }

                if (syncDue)
                {
                    SyncStream();
                    long timestamp = _timeProvider.GetTimestamp();
                    long now = HostNanos(_timeProvider);
                    lock (_gate)
                    {
                        _bytesSynced = flushed;
                        _lastSyncHostNanos = now;
                        _lastSyncTimestamp = timestamp;
                    }
                }
            }
            catch (Exception ex)
            {
                // Not swallowed: kept and thrown as JournalWriteException by the next Append, Flush or Dispose. Catching
                // everything is deliberate: this runs on a timer thread, where an escaping exception would kill the bridge.
                lock (_gate)
                {
                    _failure ??= ex;
                }
            }
        }
    }

    private void SyncStream()
    {
        if (_stream is FileStream file)
        {
            file.Flush(flushToDisk: true);
        }
        else
        {
            _stream.Flush();
        }
    }
}
