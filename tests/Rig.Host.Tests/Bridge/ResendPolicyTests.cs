using System;
using System.Collections.Generic;
using Rig.Recording.Bridge;
using Rig.Recording.Decoding;
using Xunit;

namespace Rig.Host.Tests.Bridge;

public sealed class ResendPolicyTests
{
    private const long Ms = 1_000_000;
    private static readonly BridgeOptions Options = new() { GapGrace = TimeSpan.FromMilliseconds(300), ResendRetry = TimeSpan.FromSeconds(1), MaxBatchesPerResend = 64 };

    private static List<(uint, SeqRange)> Gap(uint boot, ulong first, ulong count) => [(boot, new SeqRange(first, count))];

    [Fact]
    public void A_gap_is_asked_for_only_after_the_grace_period()
    {
        var policy = new ResendPolicy(Options);
        Assert.Empty(policy.Due(Gap(7, 10, 3), 7, 1000 * Ms));
        Assert.Empty(policy.Due(Gap(7, 10, 3), 7, 1299 * Ms));
        Assert.Equal([new ResendRequest(7, 10, 3)], policy.Due(Gap(7, 10, 3), 7, 1300 * Ms));
    }

    [Fact]
    public void A_resend_request_that_brought_nothing_is_repeated_after_the_retry_interval()
    {
        var policy = new ResendPolicy(Options);
        policy.Due(Gap(7, 10, 3), 7, 0);
        Assert.Single(policy.Due(Gap(7, 10, 3), 7, 500 * Ms));
        Assert.Empty(policy.Due(Gap(7, 10, 3), 7, 1499 * Ms));
        Assert.Equal([new ResendRequest(7, 10, 3)], policy.Due(Gap(7, 10, 3), 7, 1500 * Ms));
    }

    [Fact]
    public void A_gap_of_an_earlier_boot_is_never_asked_for()
    {
        var policy = new ResendPolicy(Options);
        policy.Due(Gap(6, 10, 3), 7, 0);
        Assert.Empty(policy.Due(Gap(6, 10, 3), 7, 5000 * Ms));
    }

    [Fact]
    public void A_long_gap_is_asked_for_at_most_MaxBatchesPerResend_batches_at_a_time()
    {
        var policy = new ResendPolicy(Options);
        policy.Due(Gap(7, 100, 1000), 7, 0);
        Assert.Equal([new ResendRequest(7, 100, 64)], policy.Due(Gap(7, 100, 1000), 7, 300 * Ms));
    }

    [Fact]
    public void A_gap_that_closed_and_opened_again_waits_out_a_new_grace_period()
    {
        var policy = new ResendPolicy(Options);
        policy.Due(Gap(7, 10, 3), 7, 0);
        Assert.Empty(policy.Due([], 7, 200 * Ms));
        Assert.Empty(policy.Due(Gap(7, 10, 3), 7, 400 * Ms));
        Assert.Single(policy.Due(Gap(7, 10, 3), 7, 700 * Ms));
    }

    [Fact]
    public void A_resend_request_becomes_a_ResendBatches_command_for_its_boot()
    {
        var command = new ResendRequest(7, 10, 3).ToCommand(42);
        Assert.Equal((Protocol.CommandOpcode.ResendBatches, 42u, 7u, 10u, (ushort)3),
            (command.Opcode, command.CommandId, command.TargetBootId, command.BatchSeq, command.BatchCount));
    }
}
