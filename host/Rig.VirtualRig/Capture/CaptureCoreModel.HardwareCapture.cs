using System;

namespace Rig.VirtualRig.Capture;

/// <summary>
/// Hardware capture timestamps, the twin of firmware/native/core/src/rc_capture.c: an edge's count latched by the
/// capture peripheral (MCPWM capture on the ESP32, 80 ticks per µs) mapped to the device's microsecond timeline
/// through an anchor, a count taken between two clock readings. Held to the C file by the shared vectors
/// (tests/vectors/capture/capture_*.txt). Semantics and error budget: docs/capture.md, "Hardware capture".
/// </summary>
public sealed partial class CaptureCoreModel
{
    /// <summary>Highest capture resolution accepted, ticks per µs (C RC_CAPTURE_MAX_TICKS_PER_US).</summary>
    public const uint MaxCaptureTicksPerMicro = 100;

    /// <summary>An anchor older than this is not used, µs (C RC_ANCHOR_MAX_AGE_US).</summary>
    public const uint AnchorMaxAgeMicros = 10_000_000;

    /// <summary>Capture units, each with its own timer and anchor (C RC_CAPTURE_UNITS: the ESP32's two MCPWM groups).</summary>
    public const int CaptureUnits = 2;

    private readonly bool[] _anchored = new bool[CaptureUnits];
    private readonly uint[] _anchorTicks = new uint[CaptureUnits];
    private readonly ulong[] _anchorMicros = new ulong[CaptureUnits];
    private readonly bool[] _anchorHalf = new bool[CaptureUnits];
    private uint _captureTicksPerMicro;
    private uint _captureClamped;
    private uint _captureUnanchored;

    /// <summary>How <see cref="CaptureTimeMicros"/> stamped a count.</summary>
    public enum CaptureMapping
    {
        Mapped = 0,
        Clamped = 1,
        Unanchored = 2,
    }

    /// <summary>The capture timer's resolution, ticks per µs (80 on the ESP32).</summary>
    public int ConfigureCapture(uint ticksPerMicro)
    {
        if (ticksPerMicro == 0 || ticksPerMicro > MaxCaptureTicksPerMicro)
        {
            return CaptureStatus.InvalidArgument;
        }

        _captureTicksPerMicro = ticksPerMicro;
        Array.Clear(_anchored);
        return CaptureStatus.Ok;
    }

    /// <summary>
    /// A count of <paramref name="unit"/> latched between two clock readings: it stands for their midpoint. A backwards
    /// bracket or an unknown unit is ignored.
    /// </summary>
    public void CaptureAnchor(byte unit, uint ticks, ulong beforeMicros, ulong afterMicros)
    {
        if (_captureTicksPerMicro == 0 || unit >= CaptureUnits || afterMicros < beforeMicros)
        {
            return;
        }

        ulong twiceMid = beforeMicros + afterMicros;
        _anchorTicks[unit] = ticks;
        _anchorMicros[unit] = twiceMid >> 1;
        _anchorHalf[unit] = (twiceMid & 1) != 0;
        _anchored[unit] = true;
    }

    /// <summary>The device time of a latched count, rounded half up, never after <paramref name="entryMicros"/>.</summary>
    public ulong CaptureTimeMicros(byte unit, uint ticks, ulong entryMicros, out CaptureMapping how)
    {
        uint tpu = _captureTicksPerMicro;
        if (tpu == 0 || unit >= CaptureUnits || !_anchored[unit]
            || (entryMicros > _anchorMicros[unit] && entryMicros - _anchorMicros[unit] > AnchorMaxAgeMicros))
        {
            how = CaptureMapping.Unanchored;
            return entryMicros;
        }

        // Half-tick units and a signed 32-bit difference, exactly as the C core computes it.
        int twiceDelta = (2 * unchecked((int)(ticks - _anchorTicks[unit]))) + (_anchorHalf[unit] ? (int)tpu : 0);
        long offset = FloorDiv(twiceDelta + (int)tpu, 2 * (int)tpu);
        ulong anchor = _anchorMicros[unit];
        ulong mapped = offset >= 0 ? anchor + (ulong)offset : anchor - (ulong)(-offset);
        if (mapped > entryMicros)
        {
            how = CaptureMapping.Clamped;
            return entryMicros;
        }

        how = CaptureMapping.Mapped;
        return mapped;
    }

    /// <summary>An edge latched by <paramref name="unit"/> at <paramref name="ticks"/>, its interrupt entered at <paramref name="entryMicros"/>.</summary>
    public void CaptureEdge(byte unit, int inputIndex, byte level, uint ticks, ulong entryMicros)
    {
        ulong t = CaptureTimeMicros(unit, ticks, entryMicros, out CaptureMapping how);
        if (how == CaptureMapping.Clamped)
        {
            _captureClamped++;
        }
        else if (how == CaptureMapping.Unanchored)
        {
            _captureUnanchored++;
        }

        InputEdge(inputIndex, level, t);
    }

    private static int FloorDiv(int x, int d)
    {
        int q = x / d;
        if (x % d != 0 && x < 0)
        {
            q--;
        }

        return q;
    }
}
