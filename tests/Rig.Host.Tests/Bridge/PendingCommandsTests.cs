using System;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Bridge;
using Rig.Host.Tests.Journal;
using Rig.Protocol;
using Xunit;

namespace Rig.Host.Tests.Bridge;

public sealed class PendingCommandsTests
{
    private static readonly BridgeOptions Options = new() { CommandTimeout = TimeSpan.FromSeconds(2) };

    private static byte[] AckBytes(uint commandId)
    {
        var bytes = new byte[Ack.Size];
        new Ack { Result = AckResult.Ok, Opcode = CommandOpcode.RequestStatus, CommandId = commandId, BootId = 7 }.Write(new ByteWriter(bytes, 0, bytes.Length));
        return bytes;
    }

    [Fact]
    public async Task An_ack_completes_the_command_it_answers_and_takes_it_off_the_table()
    {
        var pending = new PendingCommands(Options, new ManualTimeProvider());
        var acked = pending.Add(5);
        var completion = pending.Take(AckBytes(5));
        Assert.True(completion.Completes);
        Assert.Equal(0, pending.Count);
        completion.Run();
        Assert.True(acked.IsCompletedSuccessfully);
        Assert.Equal(5u, (await acked).CommandId);
    }

    [Fact]
    public void An_ack_for_an_unknown_command_id_completes_nothing()
    {
        var pending = new PendingCommands(Options, new ManualTimeProvider());
        var acked = pending.Add(5);
        var completion = pending.Take(AckBytes(6));
        Assert.False(completion.Completes);
        completion.Run();
        Assert.False(acked.IsCompleted);
        Assert.Equal(1, pending.Count);
    }

    [Fact]
    public void A_malformed_ack_completes_nothing()
    {
        var pending = new PendingCommands(Options, new ManualTimeProvider());
        pending.Add(5);
        Assert.False(pending.Take(new byte[] { 1, 2, 3 }).Completes);
        Assert.Equal(1, pending.Count);
    }

    [Fact]
    public async Task A_command_whose_ack_does_not_come_in_time_times_out_with_its_id()
    {
        var time = new ManualTimeProvider();
        var pending = new PendingCommands(Options, time);
        var acked = pending.Add(5);
        var waiting = pending.WaitAsync(5, CommandOpcode.RequestStatus, Task.CompletedTask, acked, CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var e = await Assert.ThrowsAsync<CommandTimeoutException>(() => waiting);
        Assert.Contains("RequestStatus", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_answered_in_time_returns_its_ack()
    {
        var pending = new PendingCommands(Options, new ManualTimeProvider());
        var acked = pending.Add(9);
        var waiting = pending.WaitAsync(9, CommandOpcode.RequestStatus, Task.CompletedTask, acked, CancellationToken.None);
        pending.Take(AckBytes(9)).Run();
        Assert.Equal(9u, (await waiting).CommandId);
    }
}
