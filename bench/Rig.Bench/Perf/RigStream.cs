using System;
using System.Collections.Generic;
using System.Diagnostics;
using Rig.Recording.Decoding;
using Rig.Recording.Sync;
using Rig.Protocol;

namespace Rig.Bench.Perf;

/// <summary>
/// A realistic recorded stream: the event batches the firmware core published for a simulated session (mouse running and
/// licking, 1 kHz encoder, 30 Hz frames, a water pulse every 10 s), byte for byte, and the clock exchanges a bridge would
/// have collected over it. The load the bridge benchmarks replay, at any pace, on as many rig topics as needed.
/// </summary>
internal sealed class RigStream
{
    private RigStream(List<byte[]> batches, uint bootId, double virtualSeconds, double wallSeconds)
    {
        Batches = batches;
        BootId = bootId;
        VirtualSeconds = virtualSeconds;
        WallSeconds = wallSeconds;
        EventsBefore = new long[batches.Count + 1];
        for (int i = 0; i < batches.Count; i++)
        {
            EventsBefore[i + 1] = EventsBefore[i] + RecordCount(batches[i]);
            PayloadBytes += batches[i].Length;
        }
    }

    public List<byte[]> Batches { get; }

    public uint BootId { get; }

    /// <summary>Events in batches 0 to i - 1.</summary>
    public long[] EventsBefore { get; }

    public long Events => EventsBefore[^1];

    public long PayloadBytes { get; }

    public double VirtualSeconds { get; }

    /// <summary>Wall time the simulation took (core, peripherals and the keeping of copies).</summary>
    public double WallSeconds { get; }

    public static RigStream Record(double virtualSeconds, int seed)
    {
        var rig = new SimRig(seed, keepBatches: true);
        var wall = Stopwatch.StartNew();
        rig.RunFor(virtualSeconds);
        return new RigStream(rig.Link.Kept!, rig.BootId, virtualSeconds, wall.Elapsed.TotalSeconds);
    }

    public static int RecordCount(byte[] batch) => batch[EventBatchHeader.RecordCountOffset] | (batch[EventBatchHeader.RecordCountOffset + 1] << 8);

    /// <summary>
    /// A clock map holding what 2 Hz clock exchanges over this stream would have given (0.5 ms each way on the network,
    /// 200 µs device turnaround): what the bridge maps every event through. <paramref name="coverSeconds"/>: a longer
    /// session's worth of exchanges (the memory a long session's map holds).
    /// </summary>
    public ClockMap ClockMap(long hostOffsetNanos, double? coverSeconds = null)
    {
        var map = new ClockMap(BootId);
        ulong end = (ulong)(((coverSeconds ?? VirtualSeconds) + 10) * 1e6);
        for (ulong rx = 0; rx < end; rx += 500_000)
        {
            long send = hostOffsetNanos + ((long)rx * 1000) - 500_000;
            map.Add(new SyncExchange(send, rx, rx + 200, send + 1_200_000));
        }

        return map;
    }
}

/// <summary>
/// What a live bridge does with each decoded event beyond counting it: maps its device time to host time through the
/// boot's clock map, and places it in an imaging frame (the latest frame-clock edge and the measured frame period). The
/// recorder's decoder has its own live stage for this (LiveAlignment, docs/sync.md), which runs on every batch here too;
/// but the bench's raw devices answer no clock exchanges, so that stage has no clock map to place host times with. This
/// sink maps with the stream's known map instead, so the figures include a mapping per event. Thread-safe counters, for
/// the bench to watch.
/// </summary>
internal sealed class AligningSink(ClockMap map) : IEventSink
{
    private long _events;
    private long _lastTimestamp;
    private long _firstTimestamp;
    private ulong _lastEdgeMicros;
    private long _frame = -1;
    private double _periodMicros = 1e6 / 30;
    private double _checksum;
    private long _unmapped;

    public long Events => System.Threading.Interlocked.Read(ref _events);

    public long FirstTimestamp => System.Threading.Interlocked.Read(ref _firstTimestamp);

    public long LastTimestamp => System.Threading.Interlocked.Read(ref _lastTimestamp);

    /// <summary>Events that had no host time (no clock fit): must stay 0, or the mapping did not run.</summary>
    public long Unmapped => _unmapped;

    /// <summary>Sum over events of host time and frame position: kept so the work cannot be optimised away.</summary>
    public double Checksum => _checksum;

    /// <summary>Called after each batch with its first event number, the stopwatch time it was aligned, and its journal
    /// record's host time (ns: when the recorder took it from the link's queue).</summary>
    public Action<ulong, long, long>? BatchAligned { get; init; }

    public void OnEvents(uint bootId, ulong firstEventSeq, ReadOnlySpan<EventRecord> records, long hostNanos)
    {
        double sum = 0;
        for (int i = 0; i < records.Length; i++)
        {
            ref readonly var r = ref records[i];
            if (map.ToHost(r.DeviceMicros) is { } host)
            {
                sum += host.HostNanos * 1e-9;
            }
            else
            {
                _unmapped++;
            }

            if (r.Kind == EventKind.Frame && r.Channel == 0)
            {
                if (_frame >= 0 && r.DeviceMicros > _lastEdgeMicros)
                {
                    // The scanner's period, smoothed over edges, places events between edges.
                    _periodMicros += 0.1 * ((r.DeviceMicros - _lastEdgeMicros) - _periodMicros);
                }

                _lastEdgeMicros = r.DeviceMicros;
                _frame = r.Value;
            }
            else if (_frame >= 0)
            {
                double position = ((double)r.DeviceMicros - _lastEdgeMicros) / _periodMicros;
                sum += _frame + Math.Floor(position) + (position - Math.Floor(position));
            }
        }

        _checksum += sum;
        long now = Stopwatch.GetTimestamp();
        System.Threading.Interlocked.CompareExchange(ref _firstTimestamp, now, 0);
        System.Threading.Interlocked.Exchange(ref _lastTimestamp, now);
        System.Threading.Interlocked.Add(ref _events, records.Length);
        BatchAligned?.Invoke(firstEventSeq, now, hostNanos);
    }
}
