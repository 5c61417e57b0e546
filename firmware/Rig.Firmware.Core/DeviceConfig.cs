namespace Rig.Firmware
{
    /// <summary>
    /// Device settings with their defaults. Plain fields so the nanoFramework app can fill them from its
    /// configuration block; sizes are fixed at construction (all buffers are preallocated).
    /// </summary>
    public sealed class DeviceConfig
    {
        /// <summary>Firmware version reported in every status message.</summary>
        public ushort FirmwareMajor;
        public ushort FirmwareMinor = 1;
        public ushort FirmwarePatch;

        /// <summary>
        /// A lick-line transition closer than this to the previous accepted one is contact bounce, in µs.
        /// Electrical lickometer contacts bounce for well under 1 ms.
        /// </summary>
        public uint LickDebounceMicros = 1000;

        /// <summary>
        /// A lick onset closer than this to the previous onset is refused and counted, in µs. Mice lick at
        /// 6-10 Hz (inter-lick interval 100-170 ms), so 50 ms only rejects double contacts within one lick.
        /// </summary>
        public uint MinInterLickMicros = 50000;

        /// <summary>
        /// Encoder sampling period of the main loop, µs (1 kHz default, as in the design brief); 0 when the capture
        /// layer samples the encoder on its own timer (<c>CaptureLine.EncoderSample</c> records).
        /// </summary>
        public uint EncoderSampleIntervalMicros = 1000;

        /// <summary>An unchanged encoder count is still reported this often, µs, so "no movement" is on the record.</summary>
        public uint EncoderKeepAliveMicros = 100000;

        /// <summary>
        /// No command can open a valve longer than this, µs. Rewards take 10-100 ms; 500 ms is a flood. At most
        /// <see cref="ValveCeilingMicros"/>, the native capture core's RC_VALVE_CEILING_US.
        /// </summary>
        public uint ValveHardMaxOpenMicros = 500000;

        /// <summary>No configuration may set the hard maximum above this, µs (10 s, as firmware/native's RC_VALVE_CEILING_US): a typo cannot flood the rig.</summary>
        public const uint ValveCeilingMicros = 10000000;

        /// <summary>
        /// Water budget, window limit: the sliding window, µs (docs/firmware.md, "Water budget"). 500 ms is a few lick
        /// cycles (mice lick at 6-10 Hz) and longer than any reward (10-150 ms), so one window sees one bolus and the start
        /// of the next at calibration pace.
        /// </summary>
        public uint WaterWindowMicros = 500000;

        /// <summary>
        /// Water budget: open time allowed in any <see cref="WaterWindowMicros"/>, µs, all valves together. 300 ms is
        /// twice the longest reward (150 ms) and passes `rig calibrate`'s shipped pace (pulses every 300 ms of 20-120 ms:
        /// at most 260 ms counted, durations up to 133 ms), so it is the longest single opening (the 500 ms the issue
        /// sent is refused) and bounds the duty cycle to 60 % over any half second.
        /// </summary>
        public uint WaterWindowMaxOpenMicros = 300000;

        /// <summary>
        /// Water budget: openings allowed in any <see cref="WaterWindowMicros"/> (the budget's charge table, 12 bytes each).
        /// 32 per 500 ms is 64 Hz: five times the loopback valve train's densest pace (a pulse every 62 ms), while a flood
        /// of 1 µs pulses is refused.
        /// </summary>
        public int WaterWindowMaxOpenings = 32;

        /// <summary>Most openings per window any configuration may ask for (the table is scanned per command).</summary>
        public const int WaterWindowOpeningsCeiling = 1024;

        /// <summary>
        /// Water budget, session limit: the sliding window, µs (1 h: a session's length; the device has no sessions, and a
        /// window that slides needs no reset command that anyone on the broker could send).
        /// </summary>
        public ulong WaterSessionWindowMicros = 3600000000UL;

        /// <summary>
        /// Water budget: open time allowed in any <see cref="WaterSessionWindowMicros"/>, µs, all valves together. 120 s holds
        /// `rig calibrate` (6 × 100 pulses of 20-120 ms: 42 s), `rig calibrate verify` (200 × 120 ms: 24 s) and a 500-trial
        /// session of 60 ms rewards (30 s, every arming counted) in the same hour with 24 s to spare; at ~75 µL/s through a
        /// typical valve it is ~9 mL an hour at most, against ~270 mL an hour for a valve held open.
        /// </summary>
        public uint WaterSessionMaxOpenMicros = 120000000;

        /// <summary>
        /// Water budget: an armed reward's window may end at most this long after the arming is executed, µs. 120 s is the
        /// task engine's own longest window (TaskEngine.MaxArmWindowMicros) and a position trigger's reward zone
        /// (PositionTriggers.ZoneWindowMicros), the least a configuration may set.
        /// </summary>
        public ulong WaterArmMaxWindowMicros = 120000000UL;

        /// <summary>Longest arm window any configuration may set, µs (1 h: an arming is charged until its window ends).</summary>
        public const ulong WaterArmWindowCeilingMicros = 3600000000UL;

        /// <summary>
        /// With no valid command from the host for this long, µs, an open valve is shut and an armed reward cancelled
        /// (issue 8: "the valve closes when the host has been silent for a set time (default 2 s)"). The bridge
        /// acknowledges batches every 100 ms, so 2 s is 20 missed acknowledgements, not a slow network.
        /// </summary>
        public uint HostSilenceCloseMicros = 2000000;

        /// <summary>Slack before the safety check forces a valve closed that the hardware should already have closed, µs.</summary>
        public uint ValveSafetyGraceMicros = 5000;

        /// <summary>Longest cue tone a command may ask for, µs.</summary>
        public uint ToneMaxMicros = 10000000;

        /// <summary>
        /// Events waiting to be batched. Beyond it, new events are dropped and counted (sequence numbers stay exact).
        /// With the resend slots, 4 s at 1,000 events/s (Publishing.BufferBudget; reported in every status).
        /// </summary>
        public int EventRingCapacity = 4096;

        /// <summary>Most records in one batch.</summary>
        public int MaxBatchRecords = 256;

        /// <summary>Bytes of one batch buffer (header 36 + records of 3 to 21 bytes).</summary>
        public int BatchBufferBytes = 1024;

        /// <summary>A batch is published when its first record is this old, µs (20 ms keeps the header cost under 2 bytes/event at 1 kHz).</summary>
        public uint MaxBatchAgeMicros = 20000;

        /// <summary>
        /// Event kinds that close their batch at once instead of waiting for <see cref="MaxBatchAgeMicros"/>: bit k set for
        /// <see cref="Rig.Protocol.EventKind"/> k, and only for records with a value above 0 (a lick onset, not its offset).
        /// For events the host must act on promptly; the measured trade-off is in docs/performance.md ("Device event to
        /// engine decision"): lick onsets (median 12.6 → 3.5 ms on a quiet LAN for 7 % more bytes per event) and fired
        /// position triggers (a few per trial, so no measurable cost) by default; <see cref="PromptKindsNone"/> keeps
        /// age-only batching.
        /// </summary>
        public uint PromptKindsMask = PromptKindsDefault;

        /// <summary>No kind closes a batch early.</summary>
        public const uint PromptKindsNone = 0;

        /// <summary>Lick onsets (the task waits on them to end a trial or decide a reward).</summary>
        public const uint PromptKindsLicks = 1u << (int)Rig.Protocol.EventKind.Lick;

        /// <summary>Lick onsets and fired position triggers (the cue played, the zone opened: what the host shows and records).</summary>
        public const uint PromptKindsDefault = PromptKindsLicks | (1u << (int)Rig.Protocol.EventKind.Trigger);

        /// <summary>
        /// Batches kept until the host acknowledges them. Memory: this times <see cref="BatchBufferBytes"/> (32 KiB by
        /// default, sized for an ESP32 without PSRAM; the host acknowledges every 100 ms).
        /// </summary>
        public int ResendSlots = 32;

        /// <summary>Ring slots with <see cref="UseLargeBuffers"/>: 32,768 events, 983,040 bytes of managed memory.</summary>
        public const int LargeEventRingCapacity = 32768;

        /// <summary>Resend slots with <see cref="UseLargeBuffers"/>: 64 batches, 65,536 bytes.</summary>
        public const int LargeResendSlots = 64;

        /// <summary>
        /// Sizes the buffers for a board with PSRAM (nanoFramework's managed heap is in PSRAM there): 34 s of events at
        /// 1,000 events/s (Publishing.BufferBudget) instead of 4 s, in about 1 MiB of managed memory. The ESP32
        /// application calls it when the free managed heap at boot can hold it with room to spare.
        /// </summary>
        public void UseLargeBuffers()
        {
            EventRingCapacity = LargeEventRingCapacity;
            ResendSlots = LargeResendSlots;
        }

        /// <summary>
        /// Managed memory left over after the large buffers, bytes, before they are chosen: M2Mqtt's TLS session and
        /// queues, the batch encoder and the settings need far less than this (an estimate, not measured on a board).
        /// </summary>
        public const uint LargeBufferHeadroomBytes = 512 * 1024;

        /// <summary>
        /// Takes the large buffers when <paramref name="freeManagedBytes"/> (the free managed heap at boot) holds them
        /// and <see cref="LargeBufferHeadroomBytes"/>; returns whether it did. Without PSRAM the ESP32's managed heap is
        /// far smaller than 1.5 MiB, so only a PSRAM board takes them.
        /// </summary>
        public bool ChooseBuffers(uint freeManagedBytes)
        {
            ulong large = ((ulong)LargeEventRingCapacity * Publishing.BufferBudget.RingSlotBytes) + ((ulong)LargeResendSlots * (ulong)BatchBufferBytes);
            if ((ulong)freeManagedBytes < large + LargeBufferHeadroomBytes)
            {
                return false;
            }

            UseLargeBuffers();
            return true;
        }

        /// <summary>Status heartbeat period, µs.</summary>
        public uint StatusIntervalMicros = 1000000;

        /// <summary>Command messages that can wait between the link's receive thread and the main loop.</summary>
        public int CommandInboxSlots = 16;

        /// <summary>Largest command message accepted, bytes.</summary>
        public int CommandMaxBytes = 64;

        /// <summary>Capture records drained per loop iteration.</summary>
        public int CaptureDrainBatch = 256;

        /// <summary>
        /// Longest host silence a settings file may set, µs (60 s): past it the silence rule no longer protects the mouse
        /// from a valve left to a host that has gone. The virtual rig alone goes further (it turns the rule off at speed 0).
        /// </summary>
        public const uint HostSilenceCeilingMicros = 60000000;

        /// <summary>
        /// Takes the safety limits a settings file carries (<c>rig flash --limits</c>; docs/protocol.md, "Device settings
        /// record"): each non-zero limit replaces its default here, a zero keeps the default; a record without the block
        /// changes nothing. Returns the empty string when the device can run with the result (<see cref="RigDevice.Validate"/>),
        /// or why not: a host silence over <see cref="HostSilenceCeilingMicros"/> (nothing is changed then) or the check's
        /// reason. The one place both ends take limits through: <c>rig flash</c> before it writes them, the device at boot.
        /// </summary>
        public string ApplySafetyLimits(Rig.Protocol.DeviceSettingsRecord record)
        {
            if (record == null || !record.HasSafetyLimits)
            {
                return string.Empty;
            }

            if (record.HostSilenceMicros > HostSilenceCeilingMicros)
            {
                return "HostSilenceCloseMicros from a settings file must be at most " + HostSilenceCeilingMicros.ToString() + " µs";
            }

            if (record.ValveHardMaxMicros != 0)
            {
                ValveHardMaxOpenMicros = record.ValveHardMaxMicros;
            }

            if (record.HostSilenceMicros != 0)
            {
                HostSilenceCloseMicros = record.HostSilenceMicros;
            }

            if (record.WaterWindowMicros != 0)
            {
                WaterWindowMicros = record.WaterWindowMicros;
            }

            if (record.WaterWindowMaxOpenMicros != 0)
            {
                WaterWindowMaxOpenMicros = record.WaterWindowMaxOpenMicros;
            }

            if (record.WaterWindowMaxOpenings != 0)
            {
                WaterWindowMaxOpenings = record.WaterWindowMaxOpenings;
            }

            if (record.WaterSessionWindowMicros != 0)
            {
                WaterSessionWindowMicros = record.WaterSessionWindowMicros;
            }

            if (record.WaterSessionMaxOpenMicros != 0)
            {
                WaterSessionMaxOpenMicros = record.WaterSessionMaxOpenMicros;
            }

            if (record.WaterArmMaxWindowMicros != 0)
            {
                WaterArmMaxWindowMicros = record.WaterArmMaxWindowMicros;
            }

            try
            {
                RigDevice.Validate(this);
            }
            catch (System.ArgumentException e)
            {
                return e.Message;
            }

            return string.Empty;
        }
    }
}
