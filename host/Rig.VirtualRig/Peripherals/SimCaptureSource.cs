using System;
using System.Collections.Generic;
using Rig.Firmware.Hardware;

namespace Rig.VirtualRig.Peripherals;

/// <summary>A simulated signal that produces captured edges lazily, up to a virtual time.</summary>
public interface ISimInput
{
    /// <summary>Schedules every edge with time at or before <paramref name="untilMicros"/> not yet scheduled.</summary>
    void EmitUntil(ulong untilMicros, SimCaptureSource sink);
}

/// <summary>
/// The simulator's stand-in for the native capture module: edges are timestamped where they happen (their
/// scheduled virtual time) and handed to the firmware core in time order once the clock has passed them.
/// </summary>
public sealed class SimCaptureSource : ICaptureSource
{
    private readonly VirtualClock _clock;
    private readonly PriorityQueue<CaptureRecord, (ulong Micros, long Order)> _pending = new();
    private readonly List<ISimInput> _inputs = [];
    private long _order;

    public SimCaptureSource(VirtualClock clock)
    {
        _clock = clock;
    }

    /// <summary>The simulated capture ring never overflows; loss is exercised through the event ring instead.</summary>
    public uint Overflows => 0;

    /// <summary>Edges delivered to the firmware core so far.</summary>
    public long Delivered { get; private set; }

    public void AddInput(ISimInput input) => _inputs.Add(input);

    /// <summary>
    /// Raised for each record as it is handed to the firmware core, in time order: what the native module's ISR
    /// sees (the simulated valve uses it for armed rewards). A handler may schedule further records.
    /// </summary>
    public event Action<CaptureRecord>? Delivering;

    /// <summary>Schedules one edge; the order of equal times is the order of scheduling.</summary>
    public void Schedule(CaptureRecord record) => _pending.Enqueue(record, (record.DeviceMicros, _order++));

    public int Drain(CaptureRecord[] buffer)
    {
        ulong now = _clock.NowMicros;
        foreach (var input in _inputs)
        {
            input.EmitUntil(now, this);
        }

        int n = 0;
        while (n < buffer.Length && _pending.TryPeek(out var record, out var key) && key.Micros <= now)
        {
            _pending.Dequeue();
            buffer[n++] = record;
            Delivering?.Invoke(record);
        }

        Delivered += n;
        return n;
    }
}
