using System;
using System.Collections.Generic;
using Rig.Protocol;
using Rig.Recording.Sync;

namespace Rig.Recording.Decoding;

/// <summary>
/// One device event placed on the host clock and among the imaging frames by the live alignment.
/// </summary>
/// <param name="HostNanos">Host monotonic ns through the boot's clock map; null while the boot has no map yet (provisional only).</param>
/// <param name="HostUncertaintyMicros">The map's standard uncertainty there, µs.</param>
/// <param name="Frame">The imaging frame (0-based, across acquisitions); null outside any acquisition. Final in every call.</param>
/// <param name="FrameFraction">Position within the frame, 0 at its edge, towards 1 at the next.</param>
/// <param name="Settled">
/// True: the host time is final, the one the derivation writes in aligned_events.csv. False: provisional, from the exchanges so far
/// (the event comes again, settled, once the exchanges around it are all in).
/// </param>
/// <param name="ReceivedNanos">Journal host ns of the record that brought the event's batch.</param>
/// <param name="AlignedNanos">Journal host ns of the record at which this value was decided.</param>
public readonly record struct AlignedEvent(uint BootId, ulong Seq, EventRecord Record, double? HostNanos, double? HostUncertaintyMicros,
    long? Frame, double? FrameFraction, bool Settled, long ReceivedNanos, long AlignedNanos);

/// <summary>
/// Receives events from the live alignment inside <see cref="SessionDecoder"/>, in the device's order per boot: each once when its
/// frame is decided (provisional host time, or already settled), and once more when its host time settles, if it was provisional.
/// Called on the decoder's thread (in the bridge, under the recorder's lock): hand the event on, never block.
/// </summary>
public interface IAlignedEventSink
{
    void OnAligned(in AlignedEvent aligned);
}

/// <summary>The live alignment's counts (summary.json <c>alignment</c>). Identical live and re-decoded.</summary>
/// <param name="Aligned">Events given their frame and a host time (provisional or settled).</param>
/// <param name="Settled">Events whose host time is final.</param>
/// <param name="WaitingForBatches">Events held until the batches before theirs arrive (a resend on its way).</param>
/// <param name="WaitingForFrame">Events whose frame is not decided yet (the next frame edge not in).</param>
/// <param name="WaitingToSettle">Events with a provisional host time: the exchanges after them are not all in.</param>
/// <param name="Frames">Imaging frames numbered, inferred ones included.</param>
/// <param name="LateFrameEdges">Frame edges that arrived after the numbering had passed their time: counted, not numbered.</param>
/// <param name="BatchesWaitedOut">Batches released without an earlier one after waiting <see cref="LiveAlignment.MaxWaitNanos"/>.</param>
/// <param name="SettledEarly">Events settled with a fit that was not final yet, because more than
/// <see cref="LiveAlignment.MaxSettlingEvents"/> waited (no clock exchanges for minutes, or a virtual rig far faster than real
/// time): their live host time may differ from aligned_events.csv by the map's provisional error.</param>
public sealed record LiveAlignmentCounts(long Aligned, long Settled, long WaitingForBatches, long WaitingForFrame, long WaitingToSettle,
    long Frames, long LateFrameEdges, long BatchesWaitedOut, long SettledEarly = 0);

/// <summary>
/// Places every event on the host clock and among the imaging frames as the journal's records are decoded, live in the bridge and in
/// the replay alike (docs/sync.md, "Live alignment"). Per boot, batches are taken in the device's order (a batch waits for the ones
/// before it, as the photodiode matcher's flips do); frame edges go to the boot's <see cref="FrameNumbering"/>, and an event is
/// placed once its frame is decided, with the host time of the clock map as it is; it is settled once the map's fit there is final
/// (<see cref="ClockMap.IsFinalAt"/>), or when the session stops. A settled value equals the whole-session map's.
/// </summary>
public sealed class LiveAlignment
{
    /// <summary>The longest a batch waits for earlier ones, journal ns since it arrived; then it goes on without them (counted).</summary>
    public const long MaxWaitNanos = 30_000_000_000;

    /// <summary>
    /// How far, device µs, a frame edge may come before an event the device numbered ahead of it. Edges are numbered within a
    /// poll of their capture; 1 s covers a firmware loop stalled far beyond its host-silence valve limit.
    /// </summary>
    public const ulong EdgeOrderSlackMicros = 1_000_000;

    /// <summary>
    /// Events held for late batches, all boots together, beyond which the oldest held batch goes on without waiting (counted as
    /// waited out): a real link holds a second or two of events (a resend); a forged flood of batches past a hole cannot grow
    /// the bridge's memory without end.
    /// </summary>
    public const long MaxHeldEvents = 1_000_000;

    /// <summary>
    /// Events of one boot waiting for a final fit, beyond which the oldest settle with the fit as it is (counted as settled
    /// early). A fit is final about a minute after an event (docs/sync.md), 60,000–160,000 events at 1–2.7 kHz; without
    /// exchanges, or with a virtual rig racing ahead of the host's exchange timer, nothing would ever be final and the queue
    /// (about 80 bytes an event) grew with the session: 100 MiB over 20 virtual minutes (LongRunTests).
    /// </summary>
    public const int MaxSettlingEvents = 200_000;

    private readonly Func<uint, ClockMap?> _clocks;
    private readonly Func<uint, uint, bool> _arrivedBefore;
    private readonly IAlignedEventSink? _sink;
    private readonly Dictionary<uint, Lane> _lanes = [];
    private readonly List<Lane> _order = [];
    private long _aligned;
    private long _settled;
    private long _waitedOut;
    private long _settledEarly;
    private long _heldEvents;

    public LiveAlignment(Func<uint, ClockMap?> clocks, Func<uint, uint, bool> arrivedBefore, IAlignedEventSink? sink)
    {
        _clocks = clocks;
        _arrivedBefore = arrivedBefore;
        _sink = sink;
    }

    /// <summary>The imaging frames of a boot as numbered so far (null for a boot with no batch).</summary>
    public FrameNumbering? FramesOf(uint bootId) => _lanes.TryGetValue(bootId, out var lane) ? lane.Frames : null;

    /// <summary>A batch seen for the first time, in arrival order.</summary>
    public void OnBatch(uint bootId, uint batchSeq, ulong firstEventSeq, ReadOnlySpan<EventRecord> records, long receivedNanos)
    {
        if (!_lanes.TryGetValue(bootId, out var lane))
        {
            lane = new Lane(bootId);
            _lanes[bootId] = lane;
            _order.Add(lane);
        }

        if (lane.Held.Count == 0 && !lane.Finished && _arrivedBefore(bootId, batchSeq))
        {
            // The usual case: nothing before it is missing, so it goes on without a copy.
            Release(lane, firstEventSeq, records, receivedNanos);
            return;
        }

        lane.Held[batchSeq] = new HeldBatch(firstEventSeq, records.ToArray(), receivedNanos);
        lane.HeldEvents += records.Length;
        _heldEvents += records.Length;
    }

    /// <summary>Releases, places and settles what can be, as of journal host time <paramref name="nowNanos"/> (the latest record's).</summary>
    public void Pump(long nowNanos)
    {
        foreach (var lane in _order)
        {
            if (lane.Held.Count == 0 && lane.Framing.Count == 0 && lane.Settling.Count == 0)
            {
                // A boot with nothing waiting (an old boot after a reboot): no work per record.
                continue;
            }

            while (lane.Held.Count > 0)
            {
                var (seq, batch) = First(lane.Held);
                bool waitedOut = nowNanos - batch.ReceivedNanos > MaxWaitNanos || _heldEvents > MaxHeldEvents;
                if (!lane.Finished && !waitedOut && !_arrivedBefore(lane.BootId, seq))
                {
                    break;
                }

                if (waitedOut && !lane.Finished && !_arrivedBefore(lane.BootId, seq))
                {
                    _waitedOut++;
                }

                lane.Held.Remove(seq);
                lane.HeldEvents -= batch.Records.Length;
                _heldEvents -= batch.Records.Length;
                Release(lane, batch.FirstEventSeq, batch.Records, batch.ReceivedNanos);
            }

            Place(lane, nowNanos);
            Settle(lane, nowNanos);
        }
    }

    /// <summary>The session is over: everything waiting is released, numbered, placed and settled with the maps as they are.</summary>
    public void Finish(long nowNanos)
    {
        foreach (var lane in _order)
        {
            lane.Finished = true;
        }

        Pump(nowNanos);
        foreach (var lane in _order)
        {
            lane.Frames.Finish();
            Place(lane, nowNanos);
            Settle(lane, nowNanos);
        }
    }

    public LiveAlignmentCounts Summarize()
    {
        long held = 0, framing = 0, settling = 0, frames = 0, late = 0;
        foreach (var lane in _order)
        {
            held += lane.HeldEvents;
            framing += lane.Framing.Count;
            settling += lane.Settling.Count;
            frames += lane.Frames.Frames;
            late += lane.Frames.LateEdges;
        }

        return new LiveAlignmentCounts(_aligned, _settled, held, framing, settling, frames, late, _waitedOut, _settledEarly);
    }

    private static (uint Seq, HeldBatch Batch) First(SortedDictionary<uint, HeldBatch> held)
    {
        foreach (var (seq, batch) in held)
        {
            return (seq, batch);
        }

        throw new InvalidOperationException("no batch held");
    }

    private static void Release(Lane lane, ulong firstEventSeq, ReadOnlySpan<EventRecord> records, long receivedNanos)
    {
        for (int i = 0; i < records.Length; i++)
        {
            ref readonly var r = ref records[i];
            if (r.Kind == EventKind.Frame && r.Channel == 0)
            {
                lane.Frames.AddEdge(r.DeviceMicros);
            }

            lane.Framing.Enqueue(new Item(firstEventSeq + (ulong)i, r, receivedNanos, null, null));
            lane.NewestMicros = Math.Max(lane.NewestMicros, r.DeviceMicros);
        }

        if (lane.NewestMicros > EdgeOrderSlackMicros)
        {
            lane.Frames.Advance(lane.NewestMicros - EdgeOrderSlackMicros);
        }
    }

    // Events whose frame is decided, in the device's order: placed, with a provisional or settled host time.
    private void Place(Lane lane, long nowNanos)
    {
        ulong decided = lane.Frames.DecidedBeforeMicros;
        var clock = _clocks(lane.BootId);
        while (lane.Framing.Count > 0 && lane.Framing.Peek().Record.DeviceMicros < decided)
        {
            var item = lane.Framing.Dequeue();
            var position = lane.Frames.Locate(item.Record.DeviceMicros);
            item = item with { Frame = position?.Frame, Fraction = position?.Fraction };
            _aligned++;
            bool final = lane.Finished || (clock is not null && lane.Settling.Count == 0 && clock.IsFinalAt(item.Record.DeviceMicros));
            if (final)
            {
                _settled++;
            }
            else
            {
                lane.Settling.Enqueue(item);
            }

            if (_sink is not null)
            {
                var host = clock?.ToHost(item.Record.DeviceMicros);
                _sink.OnAligned(new AlignedEvent(lane.BootId, item.Seq, item.Record, host?.HostNanos, host?.UncertaintyMicros, item.Frame, item.Fraction,
                    final, item.ReceivedNanos, nowNanos));
            }
        }
    }

    // Events with a provisional host time whose fit has become final (or all of them once the session is over), in order.
    private void Settle(Lane lane, long nowNanos)
    {
        var clock = _clocks(lane.BootId);
        while (lane.Settling.Count > 0)
        {
            bool early = false;
            if (!lane.Finished && (clock is null || !clock.IsFinalAt(lane.Settling.Peek().Record.DeviceMicros)))
            {
                if (lane.Settling.Count <= MaxSettlingEvents)
                {
                    break;
                }

                early = true;
            }

            var item = lane.Settling.Dequeue();
            _settled++;
            if (early)
            {
                _settledEarly++;
            }

            if (_sink is not null)
            {
                var host = clock?.ToHost(item.Record.DeviceMicros);
                _sink.OnAligned(new AlignedEvent(lane.BootId, item.Seq, item.Record, host?.HostNanos, host?.UncertaintyMicros, item.Frame, item.Fraction,
                    true, item.ReceivedNanos, nowNanos));
            }
        }
    }

    private readonly record struct Item(ulong Seq, EventRecord Record, long ReceivedNanos, long? Frame, double? Fraction);

    private sealed record HeldBatch(ulong FirstEventSeq, EventRecord[] Records, long ReceivedNanos);

    private sealed class Lane(uint bootId)
    {
        public uint BootId { get; } = bootId;

        public SortedDictionary<uint, HeldBatch> Held { get; } = [];

        public long HeldEvents { get; set; }

        public Queue<Item> Framing { get; } = new();

        public Queue<Item> Settling { get; } = new();

        public FrameNumbering Frames { get; } = new();

        public ulong NewestMicros { get; set; }

        public bool Finished { get; set; }
    }
}
