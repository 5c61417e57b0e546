using System;
using System.Collections.Generic;
using Rig.Recording.Decoding;
using Rig.Protocol;

namespace Rig.Provisioning.Loopback;

/// <summary>
/// Keeps the edges of one output and one input as the bridge decodes them (an <see cref="IEventSink"/>), and the
/// latest device time seen in any event, which tells how far the device has got (the encoder's keep-alive samples
/// arrive at least every 100 ms). Thread-safe: the bridge calls it from its receive loop.
/// </summary>
public sealed class LoopbackEventCollector : IEventSink
{
    private readonly object _gate = new();
    private readonly List<Edge> _outputs = [];
    private readonly List<Edge> _inputs = [];
    private readonly EventKind? _outputKind;
    private readonly byte _outputChannel;
    private readonly EventKind _inputKind;
    private readonly byte _inputChannel;
    private uint? _bootId;
    private ulong _latestMicros;
    private long _otherBootEvents;

    public LoopbackEventCollector(LoopbackScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        _outputKind = scenario.OutputKind;
        _outputChannel = scenario.OutputChannel;
        _inputKind = scenario.InputKind;
        _inputChannel = scenario.InputChannel;
    }

    /// <summary>The boot whose events are kept: the first one seen. Events of any other boot are counted only.</summary>
    public uint? BootId
    {
        get
        {
            lock (_gate)
            {
                return _bootId;
            }
        }
    }

    public long OtherBootEvents
    {
        get
        {
            lock (_gate)
            {
                return _otherBootEvents;
            }
        }
    }

    /// <summary>The latest device time of any event of the boot, µs.</summary>
    public ulong LatestDeviceMicros
    {
        get
        {
            lock (_gate)
            {
                return _latestMicros;
            }
        }
    }

    public void OnEvents(uint bootId, ulong firstEventSeq, ReadOnlySpan<EventRecord> records, long hostNanos)
    {
        lock (_gate)
        {
            _bootId ??= bootId;
            if (bootId != _bootId)
            {
                _otherBootEvents += records.Length;
                return;
            }

            foreach (var r in records)
            {
                _latestMicros = Math.Max(_latestMicros, r.DeviceMicros);
                if (r.Kind == _outputKind && r.Channel == _outputChannel)
                {
                    // Valve: the open edge carries the commanded µs, the close 0; sync outputs carry the level.
                    _outputs.Add(new Edge(r.DeviceMicros, r.Value != 0 ? (byte)1 : (byte)0));
                }
                else if (r.Kind == _inputKind && r.Channel == _inputChannel)
                {
                    // A frame event is a rising edge whose value is the frame index.
                    byte level = r.Kind == EventKind.Frame ? (byte)1 : r.Value != 0 ? (byte)1 : (byte)0;
                    _inputs.Add(new Edge(r.DeviceMicros, level));
                }
            }
        }
    }

    /// <summary>The output and input edges at or after <paramref name="fromMicros"/> (and before <paramref name="untilMicros"/>).</summary>
    public (List<Edge> Outputs, List<Edge> Inputs) Window(ulong fromMicros, ulong untilMicros)
    {
        lock (_gate)
        {
            return (_outputs.FindAll(e => e.DeviceMicros >= fromMicros && e.DeviceMicros < untilMicros),
                _inputs.FindAll(e => e.DeviceMicros >= fromMicros && e.DeviceMicros < untilMicros));
        }
    }
}
