namespace Rig.Firmware.Hardware
{
    using Rig.Protocol;

    /// <summary>The device clock: microseconds since boot (esp_timer on the ESP32; virtual time in the simulator).</summary>
    public interface IMicrosecondClock
    {
        ulong NowMicros { get; }
    }

    /// <summary>Which input line a captured edge came from (as the capture module was configured).</summary>
    public enum CaptureLine : byte
    {
        Lick = 1,
        FrameClock = 2,
        Photodiode = 3,
        Ttl = 4,
        /// <summary>The valve driver's own state, captured where the hardware timer switches it.</summary>
        ValveMonitor = 5,
        /// <summary>The tone generator's on/off state.</summary>
        ToneMonitor = 6,
        /// <summary>A sync/trigger output's state.</summary>
        SyncMonitor = 7,
        /// <summary>An encoder sample taken by the capture layer on its own timer: <see cref="CaptureRecord.Value"/> is the count.</summary>
        EncoderSample = 8,
    }

    /// <summary>One edge, timestamped where it happened (ISR reading esp_timer, or the simulator's schedule).</summary>
    public struct CaptureRecord
    {
        /// <summary>
        /// <see cref="Flags"/> bit of the lick edge that fired the armed reward (the native record's RC_FLAG_TRIGGER):
        /// the lick detector records that contact as an onset.
        /// </summary>
        public const byte TriggerFlag = 0x20;

        public ulong DeviceMicros;
        public CaptureLine Line;
        public byte Channel;

        /// <summary>Level after the edge: 1 high, 0 low.</summary>
        public byte Level;

        /// <summary>A value the line carries: the count of an encoder sample; 0 for plain edges.</summary>
        public long Value;

        /// <summary>The native record's flags (docs/capture.md); the router reads <see cref="TriggerFlag"/> only.</summary>
        public byte Flags;

        public CaptureRecord(ulong deviceMicros, CaptureLine line, byte channel, byte level)
        {
            DeviceMicros = deviceMicros;
            Line = line;
            Channel = channel;
            Level = level;
            Value = 0;
            Flags = 0;
        }

        public CaptureRecord(ulong deviceMicros, CaptureLine line, byte channel, byte level, long value)
        {
            DeviceMicros = deviceMicros;
            Line = line;
            Channel = channel;
            Level = level;
            Value = value;
            Flags = 0;
        }

        public CaptureRecord(ulong deviceMicros, CaptureLine line, byte channel, byte level, long value, byte flags)
        {
            DeviceMicros = deviceMicros;
            Line = line;
            Channel = channel;
            Level = level;
            Value = value;
            Flags = flags;
        }
    }

    /// <summary>
    /// Edges captured with microsecond timestamps. On the ESP32 this is the native capture module's ring
    /// (one interop call drains a batch); managed GPIO events cannot timestamp an edge to the microsecond.
    /// </summary>
    public interface ICaptureSource
    {
        /// <summary>Copies captured records, oldest first, into <paramref name="buffer"/> from index 0; returns how many.</summary>
        int Drain(CaptureRecord[] buffer);

        /// <summary>Records the capture layer itself had to drop (its ring was full). Cumulative since boot.</summary>
        uint Overflows { get; }
    }

    /// <summary>The wheel encoder's quadrature counter (PCNT on the ESP32).</summary>
    public interface IEncoderCounter
    {
        /// <summary>Cumulative signed count since boot, extended past the peripheral's 16 bits by the adapter.</summary>
        long ReadCount();
    }

    /// <summary>Water valves. Pulses are timed by hardware (RMT/gptimer), never by a managed sleep.</summary>
    public interface IValve
    {
        int ChannelCount { get; }

        /// <summary>Opens the valve now and has the hardware close it after <paramref name="durationMicros"/>.</summary>
        void StartPulse(byte channel, uint durationMicros);

        /// <summary>Closes the valve at once, whatever it was doing.</summary>
        void ForceClose(byte channel);

        bool IsOpen(byte channel);

        /// <summary>
        /// Arms a reward: the first lick onset inside [<paramref name="windowStartMicros"/>, <paramref name="windowEndMicros"/>)
        /// opens the valve for <paramref name="durationMicros"/>, decided where the lick is captured (the ISR on the
        /// ESP32), so the loop never waits on the network or the main loop. Replaces any earlier arming.
        /// </summary>
        void Arm(byte channel, ulong windowStartMicros, ulong windowEndMicros, uint durationMicros);

        /// <summary>Cancels an armed reward that has not fired.</summary>
        void Disarm();
    }

    /// <summary>The cue tone generator (LEDC PWM on the ESP32).</summary>
    public interface ITone
    {
        void Play(ushort frequencyHz, uint durationMicros);

        void Silence();
    }

    /// <summary>Digital sync/trigger outputs.</summary>
    public interface IDigitalOutputs
    {
        int ChannelCount { get; }

        void Write(byte channel, byte level);
    }

    /// <summary>
    /// The device's MQTT connection, as the firmware core sees it. The adapter maps <see cref="TopicKind"/> to the
    /// rig's topic names and hands received command messages to <see cref="RigDevice.OfferCommand"/>.
    /// </summary>
    public interface IDeviceLink
    {
        bool IsConnected { get; }

        /// <summary>
        /// Queues a message for publishing with QoS 1; the adapter copies the bytes before returning.
        /// Returns false when the message could not be accepted (disconnected or its queue is full).
        /// </summary>
        bool Publish(TopicKind topic, byte[] buffer, int offset, int count, bool retain);
    }
}
