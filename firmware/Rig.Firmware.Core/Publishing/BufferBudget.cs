namespace Rig.Firmware.Publishing
{
    /// <summary>
    /// How long the device can keep capturing while the host does not acknowledge (link down, broker away) before it
    /// has to drop events: the event ring plus the batches kept for resend, at a given event rate. Reported in every
    /// status (DeviceStatus.BufferSeconds) at <see cref="DefaultEventsPerSecond"/>.
    /// </summary>
    /// <remarks>
    /// While nothing is acknowledged, batches still close every <see cref="DeviceConfig.MaxBatchAgeMicros"/> (or when
    /// full), so each resend slot holds what arrives in one batch age, not a full batch; once every slot is taken,
    /// events wait in the ring. Prompt kinds (lick onsets) close batches sooner and so shorten the time; the figure
    /// assumes none. It is a lower bound: a batch closes at the first loop at or past its age, so it usually holds one
    /// event more than rate x age (tests/Rig.Firmware.Tests/Publishing/BufferBudgetTests.cs runs a device with its link
    /// down and finds the first loss between the budget and the budget plus one event per slot and one batch).
    /// </remarks>
    public static class BufferBudget
    {
        /// <summary>
        /// The rate the status reports the buffer at, events/s: the design's 1 kHz encoder samples, which dominate a
        /// session's events (issue 20: "with PSRAM the default holds at least 30 s at 1,000 events/s").
        /// </summary>
        public const uint DefaultEventsPerSecond = 1000;

        /// <summary>Largest event record in a batch, bytes (docs/protocol.md, "Event records": 3 to 21 bytes).</summary>
        public const int LargestRecordBytes = 21;

        /// <summary>Batch header, bytes (docs/protocol.md, "EventBatch").</summary>
        public const int BatchHeaderBytes = 36;

        /// <summary>
        /// Managed memory one ring slot takes, bytes: EventRing's parallel arrays (kind 1, channel 1, value 8,
        /// time 8, sequence 8, lost-before 4), which nanoFramework stores packed.
        /// </summary>
        public const int RingSlotBytes = 30;

        /// <summary>Whole seconds of events at <paramref name="eventsPerSecond"/> the device holds unacknowledged; 0 for a zero rate.</summary>
        public static uint Seconds(DeviceConfig config, uint eventsPerSecond)
        {
            if (eventsPerSecond == 0)
            {
                return 0;
            }

            return (uint)(EventsHeld(config, eventsPerSecond) / eventsPerSecond);
        }

        /// <summary>Events held before the first is dropped: the ring plus every resend slot filled as batching fills it.</summary>
        public static ulong EventsHeld(DeviceConfig config, uint eventsPerSecond)
        {
            return (ulong)config.EventRingCapacity + ((ulong)config.ResendSlots * (ulong)EventsPerBatch(config, eventsPerSecond));
        }

        /// <summary>
        /// Events in one batch at that rate: those arriving within one batch age, at most MaxBatchRecords and at most
        /// what the batch buffer holds of the largest record; at least one.
        /// </summary>
        public static int EventsPerBatch(DeviceConfig config, uint eventsPerSecond)
        {
            ulong perAge = ((ulong)eventsPerSecond * config.MaxBatchAgeMicros + 999999UL) / 1000000UL;
            int byBytes = (config.BatchBufferBytes - BatchHeaderBytes) / LargestRecordBytes;
            int events = config.MaxBatchRecords;
            if (perAge < (ulong)events)
            {
                events = (int)perAge;
            }

            if (byBytes < events)
            {
                events = byBytes;
            }

            return events < 1 ? 1 : events;
        }

        /// <summary>Managed memory the ring and the resend slots take, bytes (what <see cref="DeviceConfig.UseLargeBuffers"/> needs).</summary>
        public static ulong MemoryBytes(DeviceConfig config)
        {
            return ((ulong)config.EventRingCapacity * RingSlotBytes) + ((ulong)config.ResendSlots * (ulong)config.BatchBufferBytes);
        }

        /// <summary>The status field: <see cref="Seconds"/> at the default rate, saturated at 255.</summary>
        public static byte StatusSeconds(DeviceConfig config)
        {
            uint seconds = Seconds(config, DefaultEventsPerSecond);
            return seconds > 255 ? (byte)255 : (byte)seconds;
        }
    }
}
