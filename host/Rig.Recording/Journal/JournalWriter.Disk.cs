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

    /// <summary>The timer's callback with <see cref="JournalWriterOptions.OwnDiskThread"/>: wakes the disk thread (a wake-up already pending is enough).</summary>
    private void SignalDiskWork()
    {
        try
        {
            _diskDue.Set();
        }
        catch (ObjectDisposedException)
        {
            // A timer callback already under way when Dispose finished: there is nothing left to write.
        }
    }

    private void DiskLoop()
    {
        while (true)
        {
            _diskDue.WaitOne();
            if (_diskStopping)
            {
                // Dispose writes and syncs what is left on its own thread.
                return;
            }

            WritePending(SyncMode.IfDue);
        }
    }

    /// <summary>Never throws: a failure is recorded for the callers' threads to throw, because the timer thread must not.</summary>
    private void WritePending(SyncMode mode)
    {
        bool syncDue;
        long flushed;
        lock (_writeLock)
        {
            if (_closed)
            {
                return;
            }

            ArrayBufferWriter<byte> batch;
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

                lock (_gate)
                {
                    flushed = _bytesFlushed;
                    syncDue &= _bytesSynced < flushed;
                }
            }
            catch (Exception ex)
            {
                // Not swallowed: kept and thrown as JournalWriteException by the next Append, Flush or Dispose. Catching
                // everything is deliberate: this runs on a timer thread, where an escaping exception would kill the bridge.
                Fail(ex);
                return;
            }
        }

        if (syncDue)
        {
            // Outside _writeLock: appends and WriteToOperatingSystem go on while the disk catches up.
            SyncThrough(flushed);
        }
    }

    /// <summary>Forces everything written to the operating system so far (at least <paramref name="flushed"/> bytes) to disk.</summary>
    private void SyncThrough(long flushed)
    {
        lock (_syncLock)
        {
            try
            {
                lock (_gate)
                {
                    if (_bytesSynced >= flushed)
                    {
                        // A sync that started after ours was asked for already covered these bytes.
                        return;
                    }
                }

                if (_closed)
                {
                    return;
                }

                long started = _timeProvider.GetTimestamp();
                SyncStream();
                long timestamp = _timeProvider.GetTimestamp();
                long now = HostNanos(_timeProvider);
                lock (_gate)
                {
                    _syncs++;
                    _longestSyncTicks = Math.Max(_longestSyncTicks, timestamp - started);
                    _bytesSynced = Math.Max(_bytesSynced, flushed);
                    _lastSyncHostNanos = now;
                    _lastSyncTimestamp = timestamp;
                }
            }
            catch (Exception ex)
            {
                // Not swallowed: as above, kept for the callers' threads.
                Fail(ex);
            }
        }
    }

    private void Fail(Exception ex)
    {
        lock (_gate)
        {
            _failure ??= ex;
        }
    }

    private void SyncStream()
    {
        if (_stream is FileStream file)
        {
            // fsync on the handle: safe beside writes on other threads, unlike the FileStream's own Flush.
            RandomAccess.FlushToDisk(file.SafeFileHandle);
        }
        else
        {
            // Test streams are not thread-safe: flushed under the write lock.
            lock (_writeLock)
            {
                _stream.Flush();
            }
        }
    }
}
