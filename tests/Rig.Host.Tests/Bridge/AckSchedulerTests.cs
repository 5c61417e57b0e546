using Rig.Recording.Bridge;
using Rig.Protocol;
using Xunit;

namespace Rig.Host.Tests.Bridge;

public sealed class AckSchedulerTests
{
    [Fact]
    public void Nothing_is_acknowledged_before_a_boot_and_a_contiguous_batch_are_known()
    {
        var acks = new AckScheduler();
        Assert.Null(acks.Next(null, null));
        Assert.Null(acks.Next(7, null));
    }

    [Fact]
    public void A_range_is_acknowledged_until_it_was_sent_and_again_when_it_grows()
    {
        var acks = new AckScheduler();
        Assert.Equal(new AckRange(7, 3), acks.Next(7, 3));
        Assert.Equal(new AckRange(7, 3), acks.Next(7, 3));
        acks.Sent(new AckRange(7, 3));
        Assert.Null(acks.Next(7, 3));
        Assert.Equal(new AckRange(7, 4), acks.Next(7, 4));
    }

    [Fact]
    public void A_new_boot_is_acknowledged_even_at_the_same_batch_count()
    {
        var acks = new AckScheduler();
        acks.Sent(new AckRange(7, 3));
        Assert.Equal(new AckRange(8, 3), acks.Next(8, 3));
    }

    [Fact]
    public void An_acknowledgement_is_an_AckBatches_command_the_device_does_not_answer()
    {
        var command = new AckRange(7, 3).ToCommand(11);
        Assert.Equal((CommandOpcode.AckBatches, CommandFlags.NoAck, 11u, 7u, 3u),
            (command.Opcode, command.Flags, command.CommandId, command.TargetBootId, command.BatchSeq));
    }
}
