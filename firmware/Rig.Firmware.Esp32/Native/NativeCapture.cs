namespace Rig.Firmware.Esp32.Native
{
    using System.Runtime.CompilerServices;

    /// <summary>
    /// The native microsecond capture module (firmware/native, compiled into the custom nanoCLR image as the
    /// interop assembly <c>Rig.Firmware.Esp32.Native</c>). Edges are timestamped by the MCPWM capture hardware (at most
    /// four inputs: two per capture group) and mapped to esp_timer microseconds, valve and sync pulses are ended by
    /// timer interrupts, and an armed reward opens the valve from the lick's capture interrupt; managed code only configures, commands and drains. Design and semantics: docs/capture.md.
    /// <para>
    /// Return codes of the <c>int</c> methods: 0 ok (Drain: the number of records, 0 or more), negative on error:
    /// -1 invalid argument (line, channel, GPIO, rate, duration, window, or a buffer too short for maxRecords);
    /// -2 not configured (channel, valve, tone, encoder or output never configured);
    /// -3 exceeds hard maximum (a valve duration above the channel's hard maximum: refused and counted, the valve stays shut);
    /// -4 busy (the valve is open or an armed reward is opening it);
    /// -5 invalid state (configuring after <see cref="Start"/>, starting twice, commanding before Start);
    /// -6 hardware error (an ESP-IDF driver call failed);
    /// -7 no resources (input, valve or output table full).
    /// </para>
    /// <para>
    /// Record layout written by <see cref="Drain"/>, <see cref="RecordBytes"/> bytes each, little-endian, oldest first:
    /// offset 0 u64 device_us (esp_timer time of the edge); offset 8 i64 value (encoder sample: 64-bit count;
    /// valve open: the pulse duration in µs; tone start: frequency in Hz; otherwise 0); offset 16 u8 line
    /// (CaptureLine: Lick=1, FrameClock=2, Photodiode=3, Ttl=4, ValveMonitor=5, ToneMonitor=6, SyncMonitor=7,
    /// EncoderSample=8); offset 17 u8 channel (0-15); offset 18 u8 level after the edge (1 high/open/on, 0 low);
    /// offset 19 u8 flags (0x01 valve edge of an armed reward, 0x02 ended early by CloseValve/StopTone,
    /// 0x04 records were lost to a full ring just before this one, 0x08 level restored at the end of a glitch
    /// lockout, 0x10 edge of a sync schedule); offset 20 u32 reserved, 0.
    /// </para>
    /// </summary>
    public static class NativeCapture
    {
        /// <summary>Bytes per record in the buffer <see cref="Drain"/> fills.</summary>
        public const int RecordBytes = 24;

        /// <summary>Captures edges of one input; an edge within <paramref name="glitchFilterMicros"/> of the previous accepted edge on it is dropped and counted.</summary>
        /// <param name="line">CaptureLine number: Lick=1, FrameClock=2, Photodiode=3, Ttl=4.</param>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int ConfigureInput(byte line, byte channel, int gpio, uint glitchFilterMicros);

        /// <summary>PCNT quadrature on two pins; EncoderSample records at <paramref name="sampleRateHz"/> (0: no records, EncoderCount only).</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int ConfigureEncoder(int gpioA, int gpioB, uint sampleRateHz);

        /// <summary>A valve driver pin; no pulse or reward on it can last longer than <paramref name="hardMaxMicros"/>.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int ConfigureValve(byte channel, int gpio, uint hardMaxMicros);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int ConfigureTone(int gpio);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int ConfigureOutput(byte channel, int gpio);

        /// <summary>Enables the interrupts and timers; configuration is closed from here on.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int Start();

        /// <summary>Moves up to <paramref name="maxRecords"/> records into <paramref name="buffer"/> from index 0; returns how many, or a negative code.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int Drain(byte[] buffer, int maxRecords);

        /// <summary>Records dropped because the ring was full, cumulative since boot.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern uint Overflows();

        /// <summary>esp_timer_get_time(): the clock every record is stamped with.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern ulong NowMicros();

        /// <summary>The encoder count now, extended past the peripheral's 16 bits.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern long EncoderCount();

        /// <summary>Opens the valve now; a timer interrupt closes it after <paramref name="durationMicros"/>.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int PulseValve(byte channel, uint durationMicros);

        /// <summary>Closes the valve at once and cancels a reward that is opening it.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void CloseValve(byte channel);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern bool IsValveOpen(byte channel);

        /// <summary>
        /// The first accepted lick onset in [<paramref name="windowStartMicros"/>, <paramref name="windowEndMicros"/>)
        /// opens the valve from the lick interrupt; replaces an earlier arming; disarms itself at the window end.
        /// </summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int ArmReward(byte channel, ulong windowStartMicros, ulong windowEndMicros, uint durationMicros);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Disarm();

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int PlayTone(ushort frequencyHz, uint durationMicros);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void StopTone();

        /// <summary>Sets a sync/trigger output; a change is recorded on the SyncMonitor line.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int SetOutput(byte channel, byte level);

        /// <summary>
        /// After <see cref="ConfigureInput"/> of lick channel <paramref name="channel"/>, before <see cref="Start"/>: the
        /// lick detector's debounce and minimum inter-lick interval (DeviceConfig), which the module replays so an armed
        /// reward fires only on an edge that starts a recorded lick onset (docs/capture.md, "Which lick fires the
        /// reward"). Declared last: the interop table follows declaration order.
        /// </summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int ConfigureLick(byte channel, uint debounceMicros, uint minIntervalMicros);
    }
}
