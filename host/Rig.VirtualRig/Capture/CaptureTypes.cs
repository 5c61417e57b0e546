using System;

namespace Rig.VirtualRig.Capture;

// The types of the native capture module's interface (firmware/native/core/include/rig_capture.h), kept apart
// from the state machine so CaptureCoreModel.cs reads beside rc_core.c alone.

/// <summary>Return codes of the native capture module (firmware/native, NativeCapture.cs).</summary>
public static class CaptureStatus
{
    public const int Ok = 0;
    public const int InvalidArgument = -1;
    public const int NotConfigured = -2;
    public const int ExceedsHardMax = -3;
    public const int Busy = -4;
    public const int InvalidState = -5;
    public const int HardwareError = -6;
    public const int NoResources = -7;
}

/// <summary>Record flags, as in the 24-byte wire record.</summary>
[Flags]
public enum CaptureFlags : byte
{
    None = 0,
    Reward = 0x01,
    Forced = 0x02,
    Gap = 0x04,
    Settled = 0x08,
    Scheduled = 0x10,

    /// <summary>The lick edge that fired the armed reward: the firmware's lick detector records its contact as an onset.</summary>
    Trigger = 0x20,
}

/// <summary>One record of the native ring, field for field the C <c>rc_record</c>.</summary>
public readonly record struct NativeRecord(ulong DeviceMicros, long Value, byte Line, byte Channel, byte Level, CaptureFlags Flags)
{
    public const int Bytes = 24;

    /// <summary>Writes the 24-byte little-endian wire form NativeCapture.Drain fills.</summary>
    public void Encode(Span<byte> destination)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(destination, DeviceMicros);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(destination[8..], Value);
        destination[16] = Line;
        destination[17] = Channel;
        destination[18] = Level;
        destination[19] = (byte)Flags;
        destination.Slice(20, 4).Clear();
    }

    public static NativeRecord Decode(ReadOnlySpan<byte> source) => new(
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(source),
        System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(source[8..]),
        source[16], source[17], source[18], (CaptureFlags)source[19]);
}

/// <summary>A sync schedule pulse: rise at <see cref="OffsetMicros"/> after the schedule starts, for <see cref="WidthMicros"/>.</summary>
public readonly record struct SyncPulse(uint OffsetMicros, uint WidthMicros);

/// <summary>The module's counters (C <c>rc_counters</c>).</summary>
public readonly record struct CaptureCounters(
    uint Overflows, uint Glitches, uint SameLevel, uint Settled, uint OverMax, uint Busy, uint Rewards, uint Expired,
    uint LicksWhileOpen, uint Samples, uint SamplesMissed, uint CaptureClamped = 0, uint CaptureUnanchored = 0, uint NotOnset = 0);

/// <summary>What the module does to the hardware (the C <c>rc_hooks</c>): the simulator's peripherals, or a test's recorder.</summary>
public interface ICaptureHardware
{
    void SetValve(byte channel, bool open, ulong nowMicros);

    void SetOutput(byte channel, byte level, ulong nowMicros);

    /// <summary>0 Hz: silence.</summary>
    void SetTone(ushort frequencyHz, ulong nowMicros);

    /// <summary>The PCNT counter as the hardware holds it (congruent to the count modulo the encoder modulus).</summary>
    int ReadEncoder(ulong nowMicros);
}
