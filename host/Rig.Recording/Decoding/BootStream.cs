using System;
using System.Collections.Generic;
using Rig.Recording.Sync;
using Rig.Protocol;

namespace Rig.Recording.Decoding;

/// <summary>
/// Bookkeeping for one boot of one device, kept by <see cref="SessionDecoder"/>: which batches and events arrived,
/// the boot's clock map, and the event gaps between received batches.
/// </summary>
internal sealed class BootStream(uint bootId)
{
    /// <summary>Batches a window holds before its settled prefix is folded away (memory stays flat over long sessions).</summary>
    private const int CompactEvery = 4096;

    // The window of batches from _baseBatchSeq + _folded on; batches before it arrived without a hole between them,
    // so the event gaps among them are final and kept in _settledGaps. Without folding, a session kept 24 bytes per
    // batch for its whole length (35 MB over 8 hours at 50 batches/s).
    private readonly List<BatchInfo> _batches = [];
    private readonly List<EventGap> _settledGaps = [];
    private uint _baseBatchSeq;
    private long _remembered;
    private long _folded;
    private int _sinceCompaction;

    public uint BootId { get; } = bootId;

    public SeqRangeSet Batches { get; } = new();

    public SeqRangeSet Events { get; } = new();

    /// <summary>Device-to-host clock map of this boot.</summary>
    public ClockMap Clock { get; } = new(bootId);

    /// <summary>Batches the device answered a resend request for with Unavailable: lost for good.</summary>
    public SeqRangeSet Unavailable { get; } = new();

    public string? FirmwareVersion { get; set; }

    public long MaxLostTotal { get; private set; }

    /// <summary>Batches the device said (in its latest status) it has published at least once: numbers 0 to this minus 1.</summary>
    public ulong ReportedBatchesSent { get; set; }

    /// <summary>First batch number of this session's stream, from the boot's first status; null before one arrived.</summary>
    public ulong? FloorBatchSeq { get; set; }

    /// <summary>
    /// The highest batch number (plus one) the boot's stream has shown, from batches received and plausible statuses, and the
    /// host time it last advanced: what a status's batches_sent is judged against.
    /// </summary>
    private ulong _anchorEnd;
    private long _anchorNanos;

    /// <summary>Notes that the stream has shown batch numbers below <paramref name="end"/> at host time <paramref name="hostNanos"/>.</summary>
    public void Advanced(ulong end, long hostNanos)
    {
        if (end > _anchorEnd || _anchorNanos == 0)
        {
            _anchorEnd = Math.Max(_anchorEnd, end);
            _anchorNanos = hostNanos;
        }
    }

    /// <summary>
    /// The most batches a status at <paramref name="hostNanos"/> may plausibly say were sent: the stream's end so far, a slack for
    /// batches lost at the tail, and what the device could have numbered since at <see cref="SessionDecoder.MaxBatchesPerSecond"/>.
    /// Host time that runs backwards (a resumed session on a restarted host) allows nothing extra.
    /// </summary>
    public ulong PlausibleBatchesSent(long hostNanos)
    {
        ulong end = Math.Max(_anchorEnd, Math.Max(FloorBatchSeq ?? 0, Batches.IsEmpty ? 0 : Batches.End));
        long elapsed = Math.Max(0, hostNanos - _anchorNanos);
        ulong allowance = (ulong)(elapsed / 1_000_000) * SessionDecoder.MaxBatchesPerSecond / 1000;
        return end + SessionDecoder.MaxBatchesSentSlack + allowance;
    }

    /// <summary>The kept facts of batch <paramref name="batchSeq"/>, when it lies in the window of batches not folded away.</summary>
    private BatchInfo? Kept(ulong batchSeq)
    {
        if (_batches.Count == 0)
        {
            return null;
        }

        long index = (long)batchSeq - _baseBatchSeq - _folded;
        return index >= 0 && index < _batches.Count && _batches[(int)index].Present ? _batches[(int)index] : null;
    }

    /// <summary>
    /// Whether a received batch under an already received number is the same batch (a resend or a broker's redelivery):
    /// same events and loss counter. One folded away is taken as the same (it is settled; the copy is not decoded anyway).
    /// </summary>
    public bool SameAsKept(in EventBatchHeader h) =>
        Kept(h.BatchSeq) is not { } kept
        || (kept.FirstEventSeq == h.FirstEventSeq && kept.Count == h.RecordCount && kept.LostTotal == h.LostEventsTotal);

    /// <summary>
    /// Whether a new batch continues the batches numbered next to it that were received: a device numbers events and batches
    /// together, so between consecutive batches the event numbers run on exactly, with a hole only as large as its loss
    /// counter grew (ring overflow keeps the numbers of the events it drops). A batch with no neighbour received is not judged.
    /// </summary>
    public bool Continues(in EventBatchHeader h)
    {
        if (h.BatchSeq > 0 && Kept(h.BatchSeq - 1UL) is { } before
            && !Follows(before.FirstEventSeq + before.Count, before.LostTotal, h.FirstEventSeq, h.LostEventsTotal))
        {
            return false;
        }

        return Kept(h.BatchSeq + 1UL) is not { } after
            || Follows(h.FirstEventSeq + h.RecordCount, h.LostEventsTotal, after.FirstEventSeq, after.LostTotal);
    }

    private static bool Follows(ulong endBefore, uint lostBefore, ulong firstAfter, uint lostAfter) =>
        firstAfter >= endBefore && lostAfter >= lostBefore && firstAfter - endBefore == lostAfter - lostBefore;

    /// <summary>Batch numbers from the floor (or the first received) up to the highest received or reported sent, not received.</summary>
    public List<SeqRange> MissingBatches()
    {
        var missing = new List<SeqRange>();
        ulong upper = Batches.IsEmpty ? ReportedBatchesSent : Math.Max(Batches.End, ReportedBatchesSent);
        ulong lower = FloorBatchSeq ?? (Batches.IsEmpty ? upper : Batches.Min);
        ulong cursor = lower;
        foreach (var r in Batches.Ranges)
        {
            if (r.End <= cursor)
            {
                continue;
            }

            if (r.First > cursor)
            {
                missing.Add(new SeqRange(cursor, r.First - cursor));
            }

            cursor = r.End;
        }

        if (upper > cursor)
        {
            missing.Add(new SeqRange(cursor, upper - cursor));
        }

        return missing;
    }

    /// <summary>
    /// False when <paramref name="batchSeq"/> lies more than <see cref="SessionDecoder.MaxBatchSeqJump"/> past the number of batches
    /// received: the span kept then grows at most linearly with the messages received, however they are numbered.
    /// </summary>
    public bool WithinJump(uint batchSeq) =>
        _batches.Count == 0 || (long)batchSeq - _baseBatchSeq < _remembered + (long)SessionDecoder.MaxBatchSeqJump;

    public void Remember(in EventBatchHeader h)
    {
        MaxLostTotal = Math.Max(MaxLostTotal, h.LostEventsTotal);
        if (_batches.Count == 0)
        {
            _baseBatchSeq = h.BatchSeq;
        }

        long index = (long)h.BatchSeq - _baseBatchSeq - _folded;
        if (index < 0)
        {
            // Older than the first batch this session saw (or than the settled prefix, which has no holes to fill):
            // data, but outside the span checked for gaps.
            return;
        }

        while (_batches.Count <= index)
        {
            _batches.Add(default);
        }

        _remembered++;
        _batches[(int)index] = new BatchInfo(true, h.FirstEventSeq, h.RecordCount, h.LostEventsTotal);
        if (++_sinceCompaction >= CompactEvery)
        {
            _sinceCompaction = 0;
            Compact();
        }
    }

    /// <summary>
    /// Folds the window's leading run of received batches into <see cref="_settledGaps"/>, keeping its last batch as the
    /// anchor the next gap is measured from: nothing before it can change any more.
    /// </summary>
    private void Compact()
    {
        int present = 0;
        while (present < _batches.Count && _batches[present].Present)
        {
            present++;
        }

        if (present < 2)
        {
            return;
        }

        _settledGaps.AddRange(GapsIn(present));
        _batches.RemoveRange(0, present - 1);
        _folded += present - 1;
    }

    /// <summary>
    /// Event-number holes between consecutive received batches. A hole between two batches with consecutive
    /// batch numbers whose device loss counter grew by exactly its size is the device's own counted drop;
    /// anything else is missing in transport.
    /// </summary>
    public List<EventGap> EventGaps()
    {
        var gaps = new List<EventGap>(_settledGaps);
        gaps.AddRange(GapsIn(_batches.Count));
        return gaps;
    }

    /// <summary>The gaps among the window's first <paramref name="count"/> entries.</summary>
    private List<EventGap> GapsIn(int count)
    {
        var gaps = new List<EventGap>();
        long first = _baseBatchSeq + _folded;
        int prev = -1;
        for (int i = 0; i < count; i++)
        {
            if (!_batches[i].Present)
            {
                continue;
            }

            if (prev >= 0)
            {
                var a = _batches[prev];
                var b = _batches[i];
                ulong end = a.FirstEventSeq + a.Count;
                if (b.FirstEventSeq > end)
                {
                    ulong size = b.FirstEventSeq - end;
                    bool adjacent = i == prev + 1;
                    bool explained = adjacent && b.LostTotal - a.LostTotal == size;
                    // Adjacent batches have no batch missing between them: naming a range there would print it inverted.
                    gaps.Add(new EventGap(BootId, end, size, explained,
                        explained ? "dropped on the device (event ring full), counted by it"
                            : adjacent ? "not explained by the device's loss counter"
                            : $"not received (batches {first + prev + 1}..{first + i - 1} missing)"));
                }
            }

            prev = i;
        }

        return gaps;
    }

    // One per batch of the session (up to 180,000 an hour, one per 20 ms): auto layout packs it in 16 bytes instead of 24, the bulk of
    // what a long session keeps in memory (docs/performance.md, scaling with session length).
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Auto)]
    private readonly record struct BatchInfo(bool Present, ulong FirstEventSeq, ushort Count, uint LostTotal);
}
