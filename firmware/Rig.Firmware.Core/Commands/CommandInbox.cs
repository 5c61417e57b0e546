namespace Rig.Firmware.Commands
{
    /// <summary>
    /// Hands command messages from the link's receive thread to the main loop through preallocated slots.
    /// The only state shared between threads in the firmware core; guarded by a lock.
    /// </summary>
    public sealed class CommandInbox
    {
        private readonly object _gate = new object();
        private readonly byte[][] _slots;
        private readonly int[] _lengths;
        private readonly ulong[] _receivedMicros;
        private int _head;
        private int _count;
        private uint _dropped;
        private uint _oversized;

        public CommandInbox(int slots, int maxBytes)
        {
            if (slots < 1)
            {
                slots = 1;
            }

            _slots = new byte[slots][];
            for (int i = 0; i < slots; i++)
            {
                _slots[i] = new byte[maxBytes];
            }

            _lengths = new int[slots];
            _receivedMicros = new ulong[slots];
        }

        /// <summary>Commands refused because every slot was taken (the host times out and may retry).</summary>
        public uint Dropped
        {
            get { lock (_gate) { return _dropped; } }
        }

        /// <summary>Commands refused for being larger than a slot.</summary>
        public uint Oversized
        {
            get { lock (_gate) { return _oversized; } }
        }

        /// <summary>Copies a received message in, stamped with its receive time. Any thread.</summary>
        public bool Offer(byte[] buffer, int offset, int count, ulong receivedMicros)
        {
            lock (_gate)
            {
                if (count > _slots[0].Length)
                {
                    _oversized++;
                    return false;
                }

                if (_count == _slots.Length)
                {
                    _dropped++;
                    return false;
                }

                int slot = (_head + _count) % _slots.Length;
                System.Array.Copy(buffer, offset, _slots[slot], 0, count);
                _lengths[slot] = count;
                _receivedMicros[slot] = receivedMicros;
                _count++;
                return true;
            }
        }

        /// <summary>Moves the oldest message into <paramref name="destination"/>; returns its length, or -1 when empty. Main loop only.</summary>
        public int Take(byte[] destination, out ulong receivedMicros)
        {
            lock (_gate)
            {
                receivedMicros = 0;
                if (_count == 0)
                {
                    return -1;
                }

                int length = _lengths[_head];
                System.Array.Copy(_slots[_head], 0, destination, 0, length);
                receivedMicros = _receivedMicros[_head];
                _head = (_head + 1) % _slots.Length;
                _count--;
                return length;
            }
        }
    }
}
