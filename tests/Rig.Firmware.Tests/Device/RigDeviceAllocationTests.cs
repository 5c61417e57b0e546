using System;
using System.Buffers.Binary;
using Rig.Firmware.Hardware;
using Rig.Firmware.Tests.Fakes;
using Rig.Firmware.Tests.Support;
using Rig.Protocol;
using Xunit;

namespace Rig.Firmware.Tests;

/// <summary>The firmware must not allocate per event: on the ESP32 a GC pause would stall the loop for milliseconds.</summary>
public sealed class RigDeviceAllocationTests
{
    /// <summary>
    /// A busy rig at a 1 kHz loop: wheel turning (encoder change every sample), 30 Hz frame clock, 7 Hz licks with
    /// contact bounce, TTL edges, a valve pulse and a sync request now and then, the host acknowledging batches every
    /// 50 ms. Everything the test side needs is preallocated, and the link only counts.
    /// </summary>
    private sealed class Workload
    {
        private readonly byte[] _ack = Cmd.Encode(Cmd.AckBatches(1, 0));
        private readonly byte[] _pulse = Cmd.Encode(Cmd.PulseValve(2, 0, 20_000));
        private readonly byte[] _sync = Cmd.Encode(Cmd.SyncRequest(3, 12345));
        private ulong _now;
        private long _poll;

        public Workload()
        {
            Config = new DeviceConfig();
            Capture = new FakeCaptureSource(capacity: 4096);
            Encoder = new FakeEncoder();
            Valve = new FakeValve();
            Link = new CountingDeviceLink();
            Device = new RigDevice(Config, 0xA110C, new FakeClock(), Capture, Encoder, Valve, new FakeTone(), new FakeOutputs(), Link);
            Device.Start(0);
        }

        public DeviceConfig Config { get; }

        public FakeCaptureSource Capture { get; }

        public FakeEncoder Encoder { get; }

        public FakeValve Valve { get; }

        public CountingDeviceLink Link { get; }

        public RigDevice Device { get; }

        public void Run(int polls)
        {
            for (int i = 0; i < polls; i++)
            {
                _poll++;
                _now += 1_000;
                ulong t = _now;
                Encoder.Count += (_poll % 2 == 0) ? 3 : -1;
                Capture.Push(t - 900, CaptureLine.Ttl, 1, 1);
                Capture.Push(t - 400, CaptureLine.Ttl, 1, 0);
                if (_poll % 33 == 0)
                {
                    Capture.Push(t - 800, CaptureLine.FrameClock, 0, 1);
                    Capture.Push(t - 300, CaptureLine.FrameClock, 0, 0);
                }

                long lickPhase = _poll % 143;
                if (lickPhase == 0)
                {
                    Capture.Push(t - 990, CaptureLine.Lick, 0, 1);
                    Capture.Push(t - 900, CaptureLine.Lick, 0, 0);
                    Capture.Push(t - 800, CaptureLine.Lick, 0, 1);
                }
                else if (lickPhase == 40)
                {
                    Capture.Push(t - 990, CaptureLine.Lick, 0, 0);
                }

                if (_poll % 50 == 0)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(_ack.AsSpan(Command.HeaderSize), Link.LastBatchSeq);
                    Device.OfferCommand(_ack, 0, _ack.Length, t);
                }

                if (_poll % 500 == 0)
                {
                    Device.OfferCommand(_pulse, 0, _pulse.Length, t);
                    Device.OfferCommand(_sync, 0, _sync.Length, t);
                }
                else if (_poll % 500 == 20)
                {
                    // The hardware timer closed the valve on time; the fake's record is cleared (capacity kept: no allocation).
                    Valve.SetOpen(0, false);
                    Valve.Pulses.Clear();
                }

                Device.Poll(t);
            }
        }
    }

    [Fact]
    public void Steady_state_polling_allocates_nothing_per_event()
    {
        var w = new Workload();
        w.Run(5_000);
        ulong eventsBefore = w.Device.EventsCaptured;
        long batchesBefore = w.Link.Batches;
        long statusesBefore = w.Link.Statuses;
        long othersBefore = w.Link.OtherMessages;

        long before = GC.GetAllocatedBytesForCurrentThread();
        w.Run(20_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        ulong events = w.Device.EventsCaptured - eventsBefore;
        Assert.True(events > 60_000, $"only {events} events");
        Assert.True(w.Link.Batches - batchesBefore > 900, "batches were not published");
        Assert.True(w.Link.Statuses - statusesBefore >= 20, "statuses were not published");
        Assert.True(w.Link.OtherMessages - othersBefore >= 80, "acks and sync replies were not published");
        Assert.Equal(0u, w.Device.EventsLost);
        Assert.Equal(0u, w.Device.RepliesDropped);
        Assert.Equal(0u, w.Device.ValveFaults);
        Assert.True(w.Device.UnacknowledgedBatches < 10, $"{w.Device.UnacknowledgedBatches} batches unacknowledged");
        Assert.Equal(0L, allocated);
    }
}
