using System;
using System.Collections.Generic;

namespace Rig.Recording.Decoding;

/// <summary>A half-open range of sequence numbers [First, First + Count).</summary>
public readonly record struct SeqRange(ulong First, ulong Count)
{
    public ulong End => First + Count;

    public override string ToString() => Count == 1 ? $"{First}" : $"{First}-{End - 1}";
}

/// <summary>
/// Sorted, merged set of sequence numbers. In-order arrival (the common case) appends to the last range in O(1).
/// </summary>
public sealed class SeqRangeSet
{
    private readonly List<SeqRange> _ranges = [];

    public IReadOnlyList<SeqRange> Ranges => _ranges;

    public bool IsEmpty => _ranges.Count == 0;

    public ulong Min => _ranges[0].First;

    /// <summary>One past the highest number held.</summary>
    public ulong End => _ranges[^1].End;

    public ulong Total { get; private set; }

    /// <summary>Adds [first, first + count); returns how many of them were already present.</summary>
    public ulong Add(ulong first, ulong count)
    {
        if (count == 0)
        {
            return 0;
        }

        ulong end = first + count;
        if (_ranges.Count == 0 || first > _ranges[^1].End)
        {
            _ranges.Add(new SeqRange(first, count));
            Total += count;
            return 0;
        }

        if (first == _ranges[^1].End)
        {
            var last = _ranges[^1];
            _ranges[^1] = last with { Count = last.Count + count };
            Total += count;
            return 0;
        }

        // General case: merge with every range it overlaps or touches (on either side).
        int i = LowerBound(first);
        if (i > 0 && _ranges[i - 1].End == first)
        {
            i--;
        }

        ulong overlap = 0;
        ulong newFirst = first;
        ulong newEnd = end;
        int j = i;
        while (j < _ranges.Count && _ranges[j].First <= end)
        {
            var r = _ranges[j];
            ulong lo = Math.Max(r.First, first);
            ulong hi = Math.Min(r.End, end);
            if (hi > lo)
            {
                overlap += hi - lo;
            }

            newFirst = Math.Min(newFirst, r.First);
            newEnd = Math.Max(newEnd, r.End);
            j++;
        }

        _ranges.RemoveRange(i, j - i);
        _ranges.Insert(i, new SeqRange(newFirst, newEnd - newFirst));
        Total += count - overlap;
        return overlap;
    }

    public bool Contains(ulong seq)
    {
        int i = LowerBound(seq);
        return i < _ranges.Count && _ranges[i].First <= seq && seq < _ranges[i].End;
    }

    /// <summary>The holes between the lowest and highest numbers held.</summary>
    public List<SeqRange> Gaps()
    {
        var gaps = new List<SeqRange>();
        for (int i = 1; i < _ranges.Count; i++)
        {
            gaps.Add(new SeqRange(_ranges[i - 1].End, _ranges[i].First - _ranges[i - 1].End));
        }

        return gaps;
    }

    /// <summary>The smallest number at or after <paramref name="seq"/> that is not held.</summary>
    public ulong NextMissing(ulong seq)
    {
        int i = LowerBound(seq);
        return i < _ranges.Count && _ranges[i].First <= seq ? _ranges[i].End : seq;
    }

    /// <summary>The highest number n such that every number from <see cref="Min"/> to n is held.</summary>
    public ulong ContiguousThrough => _ranges[0].End - 1;

    // Index of the first range whose End is greater than seq (the range that holds seq or the next one after it).
    private int LowerBound(ulong seq)
    {
        int lo = 0;
        int hi = _ranges.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (_ranges[mid].End <= seq)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
