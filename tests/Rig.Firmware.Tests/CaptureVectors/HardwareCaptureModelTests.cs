using System;
using Rig.VirtualRig.Capture;
using Xunit;

namespace Rig.Firmware.Tests.CaptureVectors;

/// <summary>
/// The C# model's mapping of hardware-latched counts (CaptureCoreModel.HardwareCapture.cs) against the true time, as
/// the C core's CaptureMapping test checks rc_capture.c; the shared vectors capture_mapping and capture_fallbacks pin
/// the two implementations to each other.
/// </summary>
public sealed class HardwareCaptureModelTests
{
    [Theory]
    [InlineData(80u)]
    [InlineData(1u)]
    [InlineData(3u)]
    [InlineData(100u)]
    public void A_latched_count_maps_to_its_true_time_rounded_half_up_for_random_anchors_offsets_and_wraps(uint ticksPerMicro)
    {
        Random random = new(20);
        CaptureCoreModel core = new(new NullHardware());
        Assert.Equal(CaptureStatus.Ok, core.ConfigureCapture(ticksPerMicro));
        for (int i = 0; i < 4000; i++)
        {
            uint anchorTicks = (uint)random.NextInt64(0, 1L << 32);
            ulong before = 20_000_000UL + (ulong)random.NextInt64(0, 1_000_000_000);
            ulong after = before + (ulong)random.Next(0, 4);
            core.CaptureAnchor(1, anchorTicks, before, after);
            long maxOffset = ticksPerMicro * 9_000_000L;
            long offset = random.NextInt64(-maxOffset, maxOffset);
            uint ticks = unchecked(anchorTicks + (uint)offset);
            decimal truth = ((before + after) / 2m) + (offset / (decimal)ticksPerMicro);

            ulong mapped = core.CaptureTimeMicros(1, ticks, (ulong)Math.Ceiling(truth) + 5, out CaptureCoreModel.CaptureMapping how);

            Assert.Equal(CaptureCoreModel.CaptureMapping.Mapped, how);
            Assert.Equal((ulong)Math.Floor(truth + 0.5m), mapped);
        }
    }

    [Fact]
    public void A_resolution_of_zero_or_above_the_ceiling_is_refused()
    {
        CaptureCoreModel core = new(new NullHardware());

        Assert.Equal(CaptureStatus.InvalidArgument, core.ConfigureCapture(0));
        Assert.Equal(CaptureStatus.InvalidArgument, core.ConfigureCapture(CaptureCoreModel.MaxCaptureTicksPerMicro + 1));
        Assert.Equal(777UL, core.CaptureTimeMicros(0, 12345, 777, out CaptureCoreModel.CaptureMapping how));
        Assert.Equal(CaptureCoreModel.CaptureMapping.Unanchored, how);
    }

    /// <summary>Test fake: hardware that does nothing (the mapping touches none).</summary>
    private sealed class NullHardware : ICaptureHardware
    {
        public void SetValve(byte channel, bool open, ulong nowMicros)
        {
        }

        public void SetOutput(byte channel, byte level, ulong nowMicros)
        {
        }

        public void SetTone(ushort frequencyHz, ulong nowMicros)
        {
        }

        public int ReadEncoder(ulong nowMicros) => 0;
    }
}
