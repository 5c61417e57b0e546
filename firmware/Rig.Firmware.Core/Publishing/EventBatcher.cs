namespace Rig.Firmware.Publishing
{
    using Rig.Firmware.Events;
    using Rig.Protocol;

    /// <summary>
    /// Moves numbered events from the ring into batches in the store: a batch holds consecutive event numbers, is
    /// closed when full, when the ring skipped numbers, when it has been open for MaxBatchAgeMicros, or at once when it
    /// took an event of a prompt kind (DeviceConfig.PromptKindsMask), and waits in the ring while the store is full. Encodes into the store's preallocated buffers: nothing is allocated per event.
    /// </summary>
    public sealed class EventBatcher
    {
        private readonly DeviceConfig _config;
        private readonly uint _bootId;
        private readonly EventRing _ring;
        private readonly BatchStore _store;
        private readonly EventBatchWriter _writer;
        private ulong _batchOpenedMicros;
        private bool _prompt;

        public EventBatcher(DeviceConfig config, uint bootId, EventRing ring, BatchStore store)
        {
            _config = config;
            _bootId = bootId;
            _ring = ring;
            _store = store;
            _writer = new EventBatchWriter();
        }

        /// <summary>
        /// Batches what the ring holds; closes the open batch if it is old enough, or at once when
        /// <paramref name="closeNow"/>.
        /// </summary>
        public void Fill(ulong nowMicros, bool closeNow)
        {
            while (_ring.Count > 0)
            {
                EventRecord record;
                ulong seq;
                uint lostBefore;
                if (!_writer.IsOpen)
                {
                    if (_store.IsFull)
                    {
                        // Host not acknowledging: events wait in the ring; past its capacity they are counted as lost.
                        break;
                    }

                    _ring.PeekOldest(out record, out seq, out lostBefore);
                    uint batchSeq;
                    byte[] buffer = _store.Open(out batchSeq);
                    _writer.Begin(buffer, 0, buffer.Length, _bootId, batchSeq, seq, record.DeviceMicros, lostBefore,
                        _config.MaxBatchRecords);
                    _batchOpenedMicros = nowMicros;
                }

                _ring.PeekOldest(out record, out seq, out lostBefore);
                if (seq != _writer.NextEventSeq)
                {
                    // The ring dropped events here: a batch holds consecutive numbers, so the gap falls between batches.
                    CloseBatch();
                    continue;
                }

                if (!_writer.TryAppend(record.Kind, record.Channel, record.Value, record.DeviceMicros))
                {
                    if (_writer.RecordCount == 0)
                    {
                        throw new System.InvalidOperationException("an empty batch refused a record: BatchBufferBytes too small");
                    }

                    CloseBatch();
                    continue;
                }

                _ring.RemoveOldest();
                if (record.Value > 0 && (_config.PromptKindsMask & (1u << (int)record.Kind)) != 0)
                {
                    // Closed after this drain rather than now: events captured in the same loop go with it.
                    _prompt = true;
                }
            }

            if (_writer.IsOpen && _writer.RecordCount > 0
                && (closeNow || _prompt || nowMicros - _batchOpenedMicros >= _config.MaxBatchAgeMicros))
            {
                CloseBatch();
            }
        }

        private void CloseBatch()
        {
            int count = _writer.RecordCount;
            int length = _writer.Finish();
            _store.Close(length, (ushort)count);
            _prompt = false;
        }
    }
}
