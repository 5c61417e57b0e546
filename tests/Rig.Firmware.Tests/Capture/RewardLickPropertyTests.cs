using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CsCheck;
using Rig.Firmware.Hardware;
using Rig.Firmware.Tests.Fakes;
using Rig.Protocol;
using Rig.VirtualRig.Peripherals;
using Xunit;

namespace Rig.Firmware.Tests;

/// <summary>
/// Issue 21 item 6's property: random bouncing lick contacts (bounces up to 1.5 ms apart, touches shorter than the
/// debounce time, contacts sooner than 50 ms after the previous one) and armed windows that open anywhere around them,
/// run through the whole firmware core with the virtual rig's capture model (the C core's twin) firing the armed reward.
/// Every valve opening has a lick onset on the device's published record inside its window and at or before the
/// opening. The same generator with the module's lick rules switched off (the behaviour before the fix) finds a
/// reward without one, so the property is not vacuous.
/// </summary>
public sealed class RewardLickPropertyTests
{
    /// <summary>A contact: the gap since the previous contact's last edge, its edges' spacing, and an arming near it.</summary>
    public sealed record Contact(uint GapMicros, uint[] EdgeGapsMicros, bool Arm, int ArmOffsetMicros, uint WindowMicros);

    // Edge spacings: bounces from 20 µs (the 100 µs lockout drops some) to 1.5 ms (beyond the 1 ms debounce, so some
    // bounces are separate bursts), and holds of 2-60 ms. An odd count of gaps ends the contact high; the runner then
    // adds the release.
    private static readonly Gen<uint[]> EdgeGaps = Gen.Frequency(
        (3, Gen.UInt[20, 1_500]), (2, Gen.UInt[2_000, 60_000])).Array[0, 9];

    private static readonly Gen<Contact> Contacts = Gen.Select(
        Gen.Frequency((3, Gen.UInt[1_000, 45_000]), (3, Gen.UInt[45_000, 150_000])),
        EdgeGaps,
        Gen.Int[0, 2].Select(i => i != 0),
        Gen.Int[-8_000, 3_000],
        Gen.Frequency((1, Gen.UInt[500, 5_000]), (3, Gen.UInt[5_000, 200_000])),
        (gap, edges, arm, offset, window) => new Contact(gap, edges, arm, offset, window));

    private sealed record Outcome(int Violations, string FirstViolation, int Rewards, uint NotOnset);

    [Fact]
    public void Every_reward_fired_by_random_bouncing_licks_has_a_recorded_onset_inside_its_window_at_or_before_the_valve_edge()
    {
        int rewards = 0;
        long notOnset = 0;
        Contacts.Array[5, 40].Sample(contacts =>
        {
            var outcome = Run(contacts, lickRules: true);
            Assert.True(outcome.Violations == 0, outcome.FirstViolation);
            Interlocked.Add(ref rewards, outcome.Rewards);
            Interlocked.Add(ref notOnset, outcome.NotOnset);
        }, iter: 150, seed: null);

        // Not vacuous: rewards fired, and the module refused rising edges that the old rule would have fired on.
        Assert.True(rewards > 300, $"only {rewards} rewards fired");
        Assert.True(notOnset > 50, $"only {notOnset} rising edges refused");
    }

    [Fact]
    public void Without_the_modules_lick_rules_the_same_licks_fire_rewards_the_record_shows_no_onset_for()
    {
        int violations = 0;
        Contacts.Array[5, 40].Sample(contacts => Interlocked.Add(ref violations, Run(contacts, lickRules: false).Violations),
            iter: 150, seed: null);
        Assert.True(violations > 0, "the fix's own check found nothing to catch");
    }

    private static Outcome Run(Contact[] contacts, bool lickRules)
    {
        var config = new DeviceConfig { EncoderKeepAliveMicros = uint.MaxValue };
        var clock = new VirtualClock(1_000_000);
        var options = lickRules
            ? new SimCaptureOptions { LickDebounceMicros = config.LickDebounceMicros, LickMinIntervalMicros = config.MinInterLickMicros }
            : new SimCaptureOptions { LickDebounceMicros = 0, LickMinIntervalMicros = 0 };
        var capture = new SimCaptureSource(clock, options, config.ValveHardMaxOpenMicros);
        var valve = new SimValve(capture);
        var openings = new List<ulong>();
        capture.ValveEdge += (_, open, micros) =>
        {
            if (open)
            {
                openings.Add(micros);
            }
        };
        capture.Start();
        var link = new FakeDeviceLink();
        var device = new RigDevice(config, 0xB1C4, clock, capture, capture, valve, new SimTone(capture), new SimOutputs(capture), link);
        device.Start(clock.NowMicros);

        // Lay out the edges and the armings in device time.
        var arms = new List<(ulong SendMicros, ulong Start, ulong End)>();
        ulong t = clock.NowMicros + 10_000;
        foreach (var c in contacts)
        {
            t += c.GapMicros;
            ulong contactStart = t;
            var gaps = c.EdgeGapsMicros.Length % 2 == 0 ? c.EdgeGapsMicros.Append(20_000u).ToArray() : c.EdgeGapsMicros;
            byte level = 1;
            capture.Schedule(new CaptureRecord(t, CaptureLine.Lick, 0, level));
            foreach (uint g in gaps)
            {
                t += g;
                level ^= 1;
                capture.Schedule(new CaptureRecord(t, CaptureLine.Lick, 0, level));
            }

            if (c.Arm)
            {
                ulong start = (ulong)((long)contactStart + c.ArmOffsetMicros);
                arms.Add((Math.Min(start, contactStart) - 1_000, start, start + c.WindowMicros));
            }
        }

        ulong end = t + 300_000;
        uint id = 1;
        int nextArm = 0;

        // The device loop polls every millisecond; an arming is sent at its own time, and the host acknowledges what
        // was published every 50 ms (the device stops publishing when its resend slots are full).
        for (ulong now = clock.NowMicros; now <= end; now += 1_000)
        {
            if (now % 50_000 == 0 && link.On(TopicKind.Events).LastOrDefault() is { } last)
            {
                byte[] ack = Support.Cmd.Encode(Support.Cmd.AckBatches(id++, Support.Wire.DecodeBatch(last.Bytes).BatchSeq));
                Assert.True(device.OfferCommand(ack, 0, ack.Length, clock.NowMicros));
            }

            while (nextArm < arms.Count && arms[nextArm].SendMicros <= now)
            {
                clock.AdvanceTo(Math.Max(clock.NowMicros, arms[nextArm].SendMicros));
                var arm = new Command
                {
                    CommandId = id++, Opcode = CommandOpcode.ArmReward, Channel = 0, DurationMicros = 10_000,
                    WindowStartMicros = arms[nextArm].Start, WindowEndMicros = arms[nextArm].End,
                };
                byte[] bytes = Support.Cmd.Encode(arm);
                Assert.True(device.OfferCommand(bytes, 0, bytes.Length, clock.NowMicros));
                device.Poll(clock.NowMicros);
                nextArm++;
            }

            clock.AdvanceTo(Math.Max(clock.NowMicros, now));
            device.Poll(clock.NowMicros);
        }

        // Published lick onsets, each event once (a batch may be published again).
        var events = new Dictionary<ulong, EventRecord>();
        foreach (var batch in link.Batches())
        {
            for (int i = 0; i < batch.Records.Length; i++)
            {
                events[batch.FirstEventSeq + (ulong)i] = batch.Records[i];
            }
        }

        var onsets = events.Values.Where(e => e.Kind == EventKind.Lick && e.Value == 1).Select(e => e.DeviceMicros).OrderBy(x => x).ToArray();
        int violations = 0;
        string first = string.Empty;
        foreach (ulong opened in openings)
        {
            // The window in force: the last arming sent before the valve opened (a new arming replaces the old). Strictly
            // before: an arming sent at the very µs of an edge is offered after the clock has fired that edge (the loop
            // advances the clock to the send time first), so that edge was decided under the previous arming. No arming's
            // own window starts sooner than 1 ms after it is sent, so it cannot open the valve at its send time.
            var window = arms.Last(a => a.SendMicros < opened);
            if (!onsets.Any(o => o >= window.Start && o <= opened))
            {
                violations++;
                if (first.Length == 0)
                {
                    ulong? before = onsets.Where(o => o <= opened).Cast<ulong?>().LastOrDefault();
                    first = $"valve opened at {opened} µs in the window from {window.Start} µs with no recorded onset in between; "
                        + $"the last onset before it was at {before?.ToString() ?? "none"} µs";
                }
            }
        }

        return new Outcome(violations, first, openings.Count, capture.Core.Counters.NotOnset);
    }
}
