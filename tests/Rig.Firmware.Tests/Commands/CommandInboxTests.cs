using System;
using System.Threading;
using Rig.Firmware.Commands;
using Xunit;

namespace Rig.Firmware.Tests;

public sealed class CommandInboxTests
{
    [Fact]
    public void Messages_come_out_in_order_with_their_receive_times()
    {
        var inbox = new CommandInbox(4, 16);
        byte[] source = [9, 1, 2, 3, 9];

        Assert.True(inbox.Offer(source, 1, 3, 100));
        Assert.True(inbox.Offer([7], 0, 1, 200));

        byte[] into = new byte[16];
        Assert.Equal(3, inbox.Take(into, out ulong at));
        Assert.Equal(100UL, at);
        Assert.Equal([1, 2, 3], into.AsSpan(0, 3).ToArray());
        Assert.Equal(1, inbox.Take(into, out at));
        Assert.Equal(200UL, at);
        Assert.Equal(7, into[0]);
        Assert.Equal(-1, inbox.Take(into, out at));
        Assert.Equal(0UL, at);
    }

    [Fact]
    public void The_message_is_copied_in_so_the_receive_buffer_can_be_reused()
    {
        var inbox = new CommandInbox(2, 8);
        byte[] buffer = [1, 2, 3];
        inbox.Offer(buffer, 0, 3, 0);
        buffer[0] = 99;

        byte[] into = new byte[8];
        inbox.Take(into, out _);
        Assert.Equal(1, into[0]);
    }

    [Fact]
    public void A_full_inbox_refuses_and_counts_the_drop_and_frees_up_after_a_take()
    {
        var inbox = new CommandInbox(2, 8);
        Assert.True(inbox.Offer([1], 0, 1, 0));
        Assert.True(inbox.Offer([2], 0, 1, 0));

        Assert.False(inbox.Offer([3], 0, 1, 0));
        Assert.Equal(1u, inbox.Dropped);

        byte[] into = new byte[8];
        inbox.Take(into, out _);
        Assert.True(inbox.Offer([4], 0, 1, 0));
        inbox.Take(into, out _);
        Assert.Equal(2, into[0]);
        inbox.Take(into, out _);
        Assert.Equal(4, into[0]);
    }

    [Fact]
    public void An_oversized_message_is_refused_and_counted_apart_from_drops()
    {
        var inbox = new CommandInbox(2, 8);

        Assert.False(inbox.Offer(new byte[9], 0, 9, 0));
        Assert.True(inbox.Offer(new byte[8], 0, 8, 0));

        Assert.Equal(1u, inbox.Oversized);
        Assert.Equal(0u, inbox.Dropped);
    }

    [Fact]
    public void Messages_offered_from_another_thread_all_arrive_in_order()
    {
        const int total = 20_000;
        var inbox = new CommandInbox(4, 8);
        var producer = new Thread(() =>
        {
            byte[] message = new byte[4];
            for (int i = 0; i < total;)
            {
                message[0] = (byte)i;
                message[1] = (byte)(i >> 8);
                message[2] = (byte)(i >> 16);
                if (inbox.Offer(message, 0, 4, (ulong)i))
                {
                    i++;
                }
                else
                {
                    Thread.Yield();
                }
            }
        });
        producer.Start();

        byte[] into = new byte[8];
        int next = 0;
        while (next < total)
        {
            if (inbox.Take(into, out ulong at) < 0)
            {
                Thread.Yield();
                continue;
            }

            int value = into[0] | (into[1] << 8) | (into[2] << 16);
            Assert.Equal(next, value);
            Assert.Equal((ulong)next, at);
            next++;
        }

        producer.Join();
        Assert.Equal(-1, inbox.Take(into, out _));
    }
}
