namespace Rig.Protocol
{
    /// <summary>What an event record reports. Four bits on the wire (1 to 15; 0 is refused).</summary>
    public enum EventKind : byte
    {
        /// <summary>Lick onset (value 1) or offset (value 0) on a lick sensor, after debounce.</summary>
        Lick = 1,
        /// <summary>Wheel encoder sample: value is the cumulative signed count since boot.</summary>
        Encoder = 2,
        /// <summary>Imaging frame-clock rising edge: value is the 0-based frame index counted since boot.</summary>
        Frame = 3,
        /// <summary>Water valve opened (value = commanded open time in µs) or closed (value 0).</summary>
        Valve = 4,
        /// <summary>TTL input edge: value is the new level (0 or 1).</summary>
        Ttl = 5,
        /// <summary>Photodiode edge: value is the new level (0 or 1).</summary>
        Photodiode = 6,
        /// <summary>Cue tone started (value = frequency in Hz) or stopped (value 0).</summary>
        Tone = 7,
        /// <summary>Sync or trigger output edge: value is the new level (0 or 1).</summary>
        SyncOut = 8,
        /// <summary>
        /// A position trigger fired (stamped with the device µs of the encoder sample that reached it; channel = the
        /// encoder channel): value = tag &lt;&lt; 8 | action (<see cref="TriggerAction"/>). Action Origin (0): a ResetTriggers
        /// took effect; the run-gated distance counts from the next sample after this time.
        /// </summary>
        Trigger = 9,
    }

    /// <summary>Helpers for <see cref="EventKind"/> that behave the same on nanoFramework and .NET.</summary>
    public static class EventKinds
    {
        public const int Count = 9;

        public static bool IsDefined(int kind)
        {
            return kind >= 1 && kind <= Count;
        }

        /// <summary>Lower-case name used in summaries and exports (Enum.ToString is numeric on nanoFramework).</summary>
        public static string Name(EventKind kind)
        {
            switch (kind)
            {
                case EventKind.Lick: return "lick";
                case EventKind.Encoder: return "encoder";
                case EventKind.Frame: return "frame";
                case EventKind.Valve: return "valve";
                case EventKind.Ttl: return "ttl";
                case EventKind.Photodiode: return "photodiode";
                case EventKind.Tone: return "tone";
                case EventKind.SyncOut: return "sync_out";
                case EventKind.Trigger: return "trigger";
                default: return "kind" + ((int)kind).ToString();
            }
        }
    }

    /// <summary>One decoded event. Its sequence number is the batch's first event sequence number plus its index.</summary>
    public struct EventRecord
    {
        public EventKind Kind;

        /// <summary>Input or output channel, 0 to 15.</summary>
        public byte Channel;

        /// <summary>Meaning depends on <see cref="Kind"/>.</summary>
        public long Value;

        /// <summary>Device clock (esp_timer), microseconds since boot.</summary>
        public ulong DeviceMicros;

        public EventRecord(EventKind kind, byte channel, long value, ulong deviceMicros)
        {
            Kind = kind;
            Channel = channel;
            Value = value;
            DeviceMicros = deviceMicros;
        }
    }
}
