namespace Rig.Firmware.Events
{
    using Rig.Protocol;

    /// <summary>
    /// Events waiting to be batched, in capture order, each numbered when it is pushed. When full, a new event
    /// is dropped but keeps its sequence number: the gap is exact and <see cref="Lost"/> counts it. Preallocated;
    /// used by the main loop only (the ISR-safe ring is the native capture module's).
    /// </summary>
    public sealed class EventRing
    {
        private readonly byte[] _kind;
        private readonly byte[] _channel;
        private readonly long[] _value;
        private readonly ulong[] _micros;
        private readonly ulong[] _seq;
        private readonly uint[] _lostBefore;
        private readonly int _capacity;
        private int _head;
        private int _count;
        private ulong _nextSeq;

        public EventRing(int capacity)
        {
            if (capacity < 1)
            {
                capacity = 1;
            }

            _capacity = capacity;
            _kind = new byte[capacity];
            _channel = new byte[capacity];
            _value = new long[capacity];
            _micros = new ulong[capacity];
            _seq = new ulong[capacity];
            _lostBefore = new uint[capacity];
        }

        public int Count
        {
            get { return _count; }
        }

        public int Capacity
        {
            get { return _capacity; }
        }

        /// <summary>Sequence number the next pushed event gets (= events numbered since boot).</summary>
        public ulong NextSeq
        {
            get { return _nextSeq; }
        }

        /// <summary>Events numbered and then dropped because the ring was full. Cumulative since boot.</summary>
        public uint Lost { get; private set; }

        /// <summary>Numbers and stores an event; returns false (and counts the loss) when the ring is full.</summary>
        public bool Push(EventKind kind, byte channel, long value, ulong deviceMicros)
        {
            ulong seq = _nextSeq++;
            if (_count == _capacity)
            {
                Lost++;
                return false;
            }

            int slot = (_head + _count) % _capacity;
            _kind[slot] = (byte)kind;
            _channel[slot] = channel;
            _value[slot] = value;
            _micros[slot] = deviceMicros;
            _seq[slot] = seq;

            // Every drop counted so far had a smaller sequence number: this is the loss before this event.
            _lostBefore[slot] = Lost;
            _count++;
            return true;
        }

        /// <summary>
        /// Reads the oldest event without removing it. <paramref name="lostBefore"/> is the number of events dropped
        /// with smaller sequence numbers (what a batch starting here reports). The ring must not be empty.
        /// </summary>
        public void PeekOldest(out EventRecord record, out ulong seq, out uint lostBefore)
        {
            record = new EventRecord((EventKind)_kind[_head], _channel[_head], _value[_head], _micros[_head]);
            seq = _seq[_head];
            lostBefore = _lostBefore[_head];
        }

        public void RemoveOldest()
        {
            if (_count == 0)
            {
                return;
            }

            _head = (_head + 1) % _capacity;
            _count--;
        }
    }
}
