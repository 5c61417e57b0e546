using System;
using System.Collections.Generic;
using Rig.Firmware.Hardware;
using Rig.VirtualRig.Capture;
using Rig.VirtualRig.Peripherals;
using Xunit;

namespace Rig.Firmware.Tests.CaptureVectors;

/// <summary>The virtual rig's peripherals run on the capture model: the device's semantics, not a parallel ad-hoc copy.</summary>
public sealed class SimCaptureTests
{
    private sealed class Wheel : IEncoderCounter
    {
        public long Count { get; set; }

        public long ReadCount() => Count;
    }

    private static (VirtualClock Clock, SimCaptureSource Capture) Build(SimCaptureOptions? options = null, uint hardMax = 500_000)
    {
        var clock = new VirtualClock();
        var capture = new SimCaptureSource(clock, options ?? new SimCaptureOptions(), hardMax);
        return (clock, capture);
    }

    private static List<CaptureRecord> DrainAll(SimCaptureSource capture)
    {
        var buffer = new CaptureRecord[16];
        var all = new List<CaptureRecord>();
        int n;
        while ((n = capture.Drain(buffer)) > 0)
        {
            all.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        return all;
    }

    [Fact]
    public void An_armed_reward_in_the_simulator_opens_the_valve_the_configured_latency_after_the_lick_edge()
    {
        var (clock, capture) = Build(new SimCaptureOptions { RewardLatencyMicros = 5 });
        var valve = new SimValve(capture);
        capture.Start();
        valve.Arm(0, 0, 1_000_000, 40_000);
        capture.Schedule(new CaptureRecord(2_000, CaptureLine.Lick, 0, 1));
        capture.Schedule(new CaptureRecord(3_000, CaptureLine.Lick, 0, 0));
        capture.Schedule(new CaptureRecord(4_000, CaptureLine.Lick, 0, 1));

        clock.AdvanceTo(100_000);
        var records = DrainAll(capture);

        var valveEdges = records.FindAll(r => r.Line == CaptureLine.ValveMonitor);
        Assert.Equal(2, valveEdges.Count);
        Assert.Equal(2_005ul, valveEdges[0].DeviceMicros);
        Assert.Equal(42_005ul, valveEdges[1].DeviceMicros);
        Assert.Equal(1, valve.ArmedRewards);
        Assert.Equal(1, valve.Pulses);
    }

    [Fact]
    public void A_pulse_beyond_the_modules_own_hard_maximum_never_opens_the_simulated_valve()
    {
        var (clock, capture) = Build(hardMax: 50_000);
        var valve = new SimValve(capture);
        capture.Start();

        valve.StartPulse(0, 50_001);
        clock.AdvanceTo(1_000);

        Assert.False(valve.IsOpen(0));
        Assert.Equal(0, valve.Pulses);
        Assert.Equal(1u, capture.Core.Counters.OverMax);
    }

    [Fact]
    public void The_simulated_encoder_count_is_extended_from_a_pcnt_counter_that_resets_at_its_limits()
    {
        var (clock, capture) = Build();
        var wheel = new Wheel();
        capture.AttachWheel(wheel);
        capture.Start();
        for (long count = 0; count <= 200_000; count += 9_000)
        {
            clock.AdvanceTo(clock.NowMicros + 1_000);
            wheel.Count = count;
            Assert.Equal(count, capture.ReadCount());
        }

        for (long count = 200_000; count >= -100_000; count -= 9_000)
        {
            clock.AdvanceTo(clock.NowMicros + 1_000);
            wheel.Count = count;
            Assert.Equal(count, capture.ReadCount());
        }
    }

    [Fact]
    public void A_full_simulated_ring_reports_its_losses_through_the_capture_source()
    {
        var (clock, capture) = Build(new SimCaptureOptions { RingCapacity = 4 });
        capture.Start();
        for (ulong t = 1; t <= 10; t++)
        {
            capture.Schedule(new CaptureRecord(t * 10, CaptureLine.FrameClock, 0, (byte)(t % 2)));
        }

        clock.AdvanceTo(1_000);
        var records = DrainAll(capture);

        Assert.Equal(4, records.Count);
        Assert.Equal(6u, capture.Overflows);
    }

    [Fact]
    public void Tone_and_outputs_in_the_simulator_are_recorded_by_the_module()
    {
        var (clock, capture) = Build();
        var tone = new SimTone(capture);
        var outputs = new SimOutputs(capture);
        capture.Start();
        clock.AdvanceTo(100);
        tone.Play(4_000, 1_000);
        outputs.Write(2, 1);
        outputs.Write(2, 1);
        clock.AdvanceTo(5_000);

        var records = DrainAll(capture);

        Assert.Equal(
            [(100ul, CaptureLine.ToneMonitor, (byte)1), (100ul, CaptureLine.SyncMonitor, (byte)1), (1_100ul, CaptureLine.ToneMonitor, (byte)0)],
            records.ConvertAll(r => (r.DeviceMicros, r.Line, r.Level)));
        Assert.Equal(1, outputs.Level(2));
    }

    [Fact]
    public void A_model_record_encodes_to_the_same_24_bytes_as_the_C_core()
    {
        // The bytes of firmware/native/tests/test_ring.cpp "EncodesTheDocumented24ByteLittleEndianLayout".
        var record = new NativeRecord(0x0102030405060708, -2, 8, 3, 1, CaptureFlags.Gap | CaptureFlags.Reward);
        byte[] bytes = new byte[NativeRecord.Bytes];

        record.Encode(bytes);

        Assert.Equal(
            new byte[] { 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 8, 3, 1, 0x05, 0, 0, 0, 0 },
            bytes);
        Assert.Equal(record, NativeRecord.Decode(bytes));
    }
}
