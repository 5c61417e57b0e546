using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Recording.Decoding;
using Xunit;

namespace Rig.Host.Tests.Decoding;

public sealed class SeqRangeSetTests
{
    [Fact]
    public void In_order_additions_form_one_range()
    {
        var set = new SeqRangeSet();
        for (ulong i = 0; i < 100; i++)
        {
            Assert.Equal(0ul, set.Add(i * 10, 10));
        }

        Assert.Equal([new SeqRange(0, 1000)], set.Ranges);
        Assert.Empty(set.Gaps());
        Assert.Equal(999ul, set.ContiguousThrough);
    }

    [Fact]
    public void A_late_range_that_touches_its_left_neighbour_merges_with_it()
    {
        var set = new SeqRangeSet();
        set.Add(0, 5);
        set.Add(10, 5);
        set.Add(5, 2);
        Assert.Equal([new SeqRange(0, 7), new SeqRange(10, 5)], set.Ranges);
        Assert.Equal([new SeqRange(7, 3)], set.Gaps());
        set.Add(7, 3);
        Assert.Equal([new SeqRange(0, 15)], set.Ranges);
    }

    [Fact]
    public void Overlaps_are_counted_and_not_added_twice()
    {
        var set = new SeqRangeSet();
        set.Add(0, 10);
        set.Add(20, 10);
        Assert.Equal(10ul, set.Add(5, 20)); // 5-9 and 20-24 were there
        Assert.Equal([new SeqRange(0, 30)], set.Ranges);
        Assert.Equal(30ul, set.Total);
        Assert.Equal(10ul, set.Add(0, 10));
    }

    [Fact]
    public void A_random_order_of_additions_matches_a_plain_bitmap()
    {
        var random = new Random(42);
        for (int trial = 0; trial < 200; trial++)
        {
            var set = new SeqRangeSet();
            var seen = new bool[200];
            for (int k = 0; k < 40; k++)
            {
                ulong first = (ulong)random.Next(0, 190);
                ulong count = (ulong)random.Next(1, 10);
                ulong expectedOverlap = 0;
                for (ulong s = first; s < first + count; s++)
                {
                    if (seen[s])
                    {
                        expectedOverlap++;
                    }

                    seen[s] = true;
                }

                Assert.Equal(expectedOverlap, set.Add(first, count));
            }

            var expected = new List<SeqRange>();
            for (int s = 0; s < seen.Length; s++)
            {
                if (seen[s] && (s == 0 || !seen[s - 1]))
                {
                    int e = s;
                    while (e < seen.Length && seen[e])
                    {
                        e++;
                    }

                    expected.Add(new SeqRange((ulong)s, (ulong)(e - s)));
                }
            }

            Assert.Equal(expected, set.Ranges);
            Assert.All(set.Gaps(), g => Assert.True(g.Count > 0));
            Assert.Equal((ulong)seen.Count(b => b), set.Total);
            for (ulong s = 0; s < 200; s++)
            {
                Assert.Equal(seen[s], set.Contains(s));
            }
        }
    }
}
