using System;
using Rig.Firmware.Hardware;
using Rig.VirtualRig.Peripherals;

namespace Rig.VirtualRig.Loopback;

/// <summary>Settings of <see cref="ToneTtlWire"/>.</summary>
public sealed record ToneTtlWireOptions
{
    /// <summary>Mean delay from a tone-output edge to the TTL input's edge, µs (the fixture's R103/C101 low-pass, 10 µs, and the PC817's switching).</summary>
    public double LatencyMicros { get; init; } = 20;

    /// <summary>Half-width of a uniform spread of that delay, µs, per edge.</summary>
    public double JitterMicros { get; init; } = 5;

    public bool Connected { get; init; } = true;

    public int Seed { get; init; } = 1;

    public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"tone-to-TTL path {LatencyMicros:0.###} µs ± {JitterMicros:0.###} µs (uniform) per edge{(Connected ? "" : ", disconnected")}");
}

/// <summary>
/// The loopback fixture's tone-to-TTL path in the virtual rig: while the tone output plays, the TTL input sees a square
/// wave at the tone's frequency (high first, a level change every half period), each edge delayed by the path's
/// latency model; when the tone stops while high, one last falling edge. Edges are scheduled as the rig's time reaches
/// them, never past the tone's end (planned by the module's timer, or a forced stop).
/// </summary>
public sealed class ToneTtlWire : ISimInput, ISimToneListener
{
    private readonly ToneTtlWireOptions _options;
    private readonly Random _random;
    private readonly object _gate = new();
    private bool _on;
    private ulong _start;
    private ulong _stop;
    private double _halfPeriod;
    private long _nextIndex;
    private byte _level;
    private ulong _lastScheduled;
    private bool _closed = true;

    public ToneTtlWire(ToneTtlWireOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.LatencyMicros >= 0) || !(options.JitterMicros >= 0) || options.JitterMicros > options.LatencyMicros)
        {
            throw new ArgumentException("the tone-to-TTL path needs a latency of 0 or more and a jitter no larger than it", nameof(options));
        }

        _options = options;
        _random = new Random(options.Seed);
    }

    public void OnTone(ushort frequencyHz, ulong trueMicros, ulong plannedStopTrueMicros)
    {
        lock (_gate)
        {
            if (frequencyHz == 0)
            {
                // A stop before the planned end cuts the wave there; edges up to now are already out.
                _stop = Math.Min(_stop, trueMicros);
                return;
            }

            (_on, _start, _stop, _halfPeriod, _nextIndex, _level, _closed) = (true, trueMicros, plannedStopTrueMicros, 1e6 / (2.0 * frequencyHz), 0, 0, false);
        }
    }

    public void EmitUntil(ulong untilMicros, SimCaptureSource sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        lock (_gate)
        {
            while (_on)
            {
                ulong edge = _start + (ulong)Math.Round(_nextIndex * _halfPeriod);
                if (edge >= _stop)
                {
                    // The tone ended: the output falls if it was high.
                    if (!_closed && _level == 1 && !Emit(_stop, 0, untilMicros, sink))
                    {
                        return;
                    }

                    _closed = true;
                    _on = false;
                    return;
                }

                if (!Emit(edge, (byte)(_nextIndex % 2 == 0 ? 1 : 0), untilMicros, sink))
                {
                    return;
                }

                _nextIndex++;
            }
        }
    }

    // Schedules one edge of the output at outputMicros as the input sees it, once the rig's time reaches it (else false).
    private bool Emit(ulong outputMicros, byte level, ulong untilMicros, SimCaptureSource sink)
    {
        if (outputMicros > untilMicros)
        {
            return false;
        }

        _level = level;
        if (_options.Connected)
        {
            double offset = _options.JitterMicros * ((2 * _random.NextDouble()) - 1);
            ulong at = Math.Max(_lastScheduled + 1, outputMicros + (ulong)Math.Round(_options.LatencyMicros + offset));
            _lastScheduled = at;
            sink.Schedule(new CaptureRecord(at, CaptureLine.Ttl, 0, level));
        }

        return true;
    }
}
