namespace Rig.Firmware.Publishing
{
    using Rig.Protocol;

    /// <summary>
    /// Encoded event batches from creation until the host acknowledges them: a ring of preallocated buffers
    /// holding consecutive batch sequence numbers. The newest slot may be open (being filled). Closed batches are
    /// published oldest first; sent ones stay for resend until a cumulative acknowledgement frees them.
    /// </summary>
    public sealed class BatchStore
    {
        private const byte StateOpen = 1;
        private const byte StateUnsent = 2;
        private const byte StateSent = 3;

        private readonly byte[][] _buffers;
        private readonly int[] _lengths;
        private readonly byte[] _states;
        private readonly ushort[] _recordCounts;
        private readonly bool[] _published;
        private readonly int _slots;
        private int _oldest;
        private int _count;
        private uint _oldestSeq;
        private uint _nextSeq;

        public BatchStore(int slots, int bufferBytes)
        {
            if (slots < 2)
            {
                slots = 2;
            }

            _slots = slots;
            _buffers = new byte[slots][];
            for (int i = 0; i < slots; i++)
            {
                _buffers[i] = new byte[bufferBytes];
            }

            _lengths = new int[slots];
            _states = new byte[slots];
            _recordCounts = new ushort[slots];
            _published = new bool[slots];
        }

        /// <summary>Batches held (open, unsent or sent-but-unacknowledged).</summary>
        public int Count
        {
            get { return _count; }
        }

        public bool IsFull
        {
            get { return _count == _slots; }
        }

        /// <summary>Sequence number the next new batch gets.</summary>
        public uint NextBatchSeq
        {
            get { return _nextSeq; }
        }

        /// <summary>Batches published at least once and not yet acknowledged.</summary>
        public int SentUnacknowledged
        {
            get
            {
                int n = 0;
                for (int i = 0; i < _count; i++)
                {
                    if (_published[Slot(i)])
                    {
                        n++;
                    }
                }

                return n;
            }
        }

        /// <summary>Oldest batch number held, or the next number when nothing is held.</summary>
        public uint OldestHeldSeq
        {
            get { return _count == 0 ? _nextSeq : _oldestSeq; }
        }

        /// <summary>Batches held that are closed but not yet acknowledged.</summary>
        public int Unacknowledged
        {
            get
            {
                int n = _count;
                if (n > 0 && _states[Slot(n - 1)] == StateOpen)
                {
                    n--;
                }

                return n;
            }
        }

        public uint BatchesSent { get; private set; }

        public uint BatchesResent { get; private set; }

        /// <summary>True once the host has acknowledged batch <paramref name="batchSeq"/> (and so every earlier one).</summary>
        public bool IsAcknowledged(uint batchSeq)
        {
            if (!SeqLessOrEqual(batchSeq, _nextSeq - 1))
            {
                return false;
            }

            return _count == 0 || !SeqLessOrEqual(_oldestSeq, batchSeq);
        }

        /// <summary>Takes a free slot for a new batch and returns its buffer; <paramref name="batchSeq"/> is its number. The store must not be full.</summary>
        public byte[] Open(out uint batchSeq)
        {
            if (_count == 0)
            {
                _oldestSeq = _nextSeq;
            }

            int slot = Slot(_count);
            _states[slot] = StateOpen;
            _published[slot] = false;
            _lengths[slot] = 0;
            _count++;
            batchSeq = _nextSeq++;
            return _buffers[slot];
        }

        /// <summary>Closes the open (newest) batch with its encoded length; it becomes publishable.</summary>
        public void Close(int length, ushort recordCount)
        {
            int slot = Slot(_count - 1);
            _lengths[slot] = length;
            _recordCounts[slot] = recordCount;
            _states[slot] = StateUnsent;
        }

        /// <summary>
        /// Publishes every closed, unsent batch, oldest first, until the link refuses one. Returns how many went out.
        /// </summary>
        public int PublishPending(Hardware.IDeviceLink link)
        {
            int published = 0;
            for (int i = 0; i < _count; i++)
            {
                int slot = Slot(i);
                if (_states[slot] != StateUnsent)
                {
                    continue;
                }

                byte[] buffer = _buffers[slot];
                bool resent = (buffer[EventBatchHeader.FlagsOffset] & EventBatchFlags.Resent) != 0;
                if (!link.Publish(TopicKind.Events, buffer, 0, _lengths[slot], false))
                {
                    break;
                }

                _states[slot] = StateSent;
                _published[slot] = true;
                published++;
                if (resent)
                {
                    BatchesResent++;
                }
                else
                {
                    BatchesSent++;
                }
            }

            return published;
        }

        /// <summary>
        /// The host holds every batch up to and including <paramref name="upToSeq"/>: free them, including ones
        /// waiting to be resent (the host has them after all). A batch never published, or the open one, is never
        /// freed: the host cannot hold it.
        /// </summary>
        public void Acknowledge(uint upToSeq)
        {
            while (_count > 0 && _published[_oldest] && SeqLessOrEqual(_oldestSeq, upToSeq))
            {
                _states[_oldest] = 0;
                _oldest = (_oldest + 1) % _slots;
                _oldestSeq++;
                _count--;
            }
        }

        /// <summary>
        /// Marks batches [firstSeq, firstSeq + count) for publishing again, flagged as resent. Returns true when all
        /// were still held; otherwise <paramref name="firstMissing"/> names the first one that is not.
        /// </summary>
        public bool MarkForResend(uint firstSeq, int count, out uint firstMissing)
        {
            firstMissing = 0;
            bool all = true;
            for (int k = 0; k < count; k++)
            {
                uint seq = firstSeq + (uint)k;
                uint offset = seq - _oldestSeq;
                if (_count == 0 || offset >= (uint)_count)
                {
                    if (all)
                    {
                        firstMissing = seq;
                    }

                    all = false;
                    continue;
                }

                int slot = Slot((int)offset);
                if (_states[slot] == StateSent)
                {
                    MarkResent(slot);
                }
            }

            return all;
        }

        /// <summary>After a reconnect nothing in flight can be trusted: publish every unacknowledged batch again.</summary>
        public void MarkAllSentForResend()
        {
            for (int i = 0; i < _count; i++)
            {
                int slot = Slot(i);
                if (_states[slot] == StateSent)
                {
                    MarkResent(slot);
                }
            }
        }

        private void MarkResent(int slot)
        {
            byte[] buffer = _buffers[slot];
            buffer[EventBatchHeader.FlagsOffset] = (byte)(buffer[EventBatchHeader.FlagsOffset] | EventBatchFlags.Resent);
            _states[slot] = StateUnsent;
        }

        private int Slot(int index)
        {
            return (_oldest + index) % _slots;
        }

        private static bool SeqLessOrEqual(uint a, uint b)
        {
            // Serial-number comparison so the store keeps working when the u32 sequence wraps.
            return (int)(b - a) >= 0;
        }
    }
}
