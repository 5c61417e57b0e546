using System;
using System.Collections.Generic;
using System.Threading;
using CsCheck;
using Rig.Firmware.Hardware;
using Rig.Firmware.Tests.Fakes;
using Rig.Protocol;
using Rig.VirtualRig.Peripherals;
using Xunit;

namespace Rig.Firmware.Tests;

/// <summary>
/// Issue 19 part 3's property: random command sequences (pulses, armed rewards with any window, disarms, licks that fire
/// the armed rewards, re-armings and disarms that race a fired reward's report, valve trains, floods of pulses, time
/// passing from microseconds to ten minutes) go through the whole
/// firmware core on two valves, with the virtual rig's capture model (the C core's twin) opening and closing them on its
/// own timers. The valve edges that model drives are the truth: in no sliding window does their open time, or their
/// number of openings, pass the water budget's limits.
/// </summary>
public sealed class WaterBudgetPropertyTests
{
    /// <summary>One step of a sequence; which fields matter depends on <see cref="Kind"/>.</summary>
    public sealed record Op(OpKind Kind, byte Channel, uint Duration, uint Gap, ulong Span, int Count);

    public enum OpKind
    {
        Advance,
        Pulse,
        Arm,
        Disarm,
        Lick,
        Train,
        Flood,
        Race,
    }

    /// <summary>Shipped defaults, and a tight budget whose session limit a short sequence can reach.</summary>
    private static DeviceConfig Config(int which)
    {
        var c = new DeviceConfig { EncoderKeepAliveMicros = uint.MaxValue };
        if (which == 1)
        {
            c.WaterWindowMicros = 200_000;
            c.WaterWindowMaxOpenMicros = 100_000;
            c.WaterWindowMaxOpenings = 4;
            c.WaterSessionWindowMicros = 600_000_000;
            c.WaterSessionMaxOpenMicros = 3_000_000;
        }

        return c;
    }

    // Durations from 1 µs floods to beyond the hard maximum; gaps from back-to-back to ten minutes.
    private static readonly Gen<uint> Durations = Gen.Frequency(
        (4, Gen.UInt[1, 150_000]), (2, Gen.UInt[150_000, 600_000]), (1, Gen.UInt[1, 2_000]));

    private static readonly Gen<uint> Gaps = Gen.Frequency(
        (4, Gen.UInt[0, 100_000]), (3, Gen.UInt[100_000, 2_000_000]), (1, Gen.UInt[2_000_000, 600_000_000]));

    // Arm windows from a few ms to far past the limit (up to 2^63 µs).
    private static readonly Gen<ulong> Spans = Gen.Frequency(
        (3, Gen.ULong[1_000, 5_000_000]), (2, Gen.ULong[5_000_000, 200_000_000]), (1, Gen.ULong[200_000_000, 1ul << 63]));

    private static readonly Gen<Op> Ops = Gen.Select(Gen.Frequency(
            (5, Gen.Const(OpKind.Advance)), (4, Gen.Const(OpKind.Pulse)), (3, Gen.Const(OpKind.Arm)), (1, Gen.Const(OpKind.Disarm)),
            (4, Gen.Const(OpKind.Lick)), (1, Gen.Const(OpKind.Train)), (1, Gen.Const(OpKind.Flood)),
            (2, Gen.Const(OpKind.Race))),
        Gen.Byte[0, 1], Durations, Gaps, Spans, Gen.Int[1, 120],
        (kind, channel, duration, gap, span, count) => new Op(kind, channel, duration, gap, span, count));

    private static readonly Gen<(int Config, Op[] Ops)> Sequences = Gen.Select(Gen.Int[0, 1], Ops.Array[1, 60]);

    [Fact]
    public void No_random_command_sequence_opens_the_valves_beyond_the_water_budget()
    {
        int refusedSequences = 0;
        int wateredSequences = 0;
        Sequences.Sample(s =>
        {
            var run = Run(Config(s.Config), s.Ops);
            CheckLimits(Config(s.Config), run.Intervals);
            // CsCheck runs samples on several threads.
            Interlocked.Add(ref refusedSequences, run.Refusals > 0 ? 1 : 0);
            Interlocked.Add(ref wateredSequences, run.Intervals.Count > 0 ? 1 : 0);
        }, iter: 300, seed: null);

        // Not vacuous: the sequences both delivered water and ran into the budget.
        Assert.True(refusedSequences > 10, $"only {refusedSequences} sequences met the budget");
        Assert.True(wateredSequences > 100, $"only {wateredSequences} sequences opened a valve");
    }

    private sealed record RunResult(List<(ulong Start, ulong End)> Intervals, uint Refusals);

    private static RunResult Run(DeviceConfig config, Op[] ops)
    {
        var clock = new VirtualClock(1_000_000);
        var capture = new SimCaptureSource(clock, new SimCaptureOptions { ValveChannels = 2 }, config.ValveHardMaxOpenMicros);
        var valve = new SimValve(capture);
        var intervals = new List<(ulong Start, ulong End)>();
        var openedAt = new ulong?[2];
        capture.ValveEdge += (channel, open, micros) =>
        {
            if (open)
            {
                openedAt[channel] = micros;
            }
            else if (openedAt[channel] is { } start)
            {
                intervals.Add((start, micros));
                openedAt[channel] = null;
            }
        };
        capture.Start();
        var device = new RigDevice(config, 0xB0D6E7, clock, capture, capture, valve, new SimTone(capture), new SimOutputs(capture), new FakeDeviceLink());
        device.Start(clock.NowMicros);
        uint id = 1;

        void Send(Command command)
        {
            command.CommandId = id++;
            byte[] bytes = Support.Cmd.Encode(command);
            Assert.True(device.OfferCommand(bytes, 0, bytes.Length, clock.NowMicros));
            device.Poll(clock.NowMicros);
        }

        // Polled every 1 ms while a train plays (its pulses start in the loop), every 50 ms otherwise; after 2 s of
        // nothing to do the clock jumps, since the capture model closes valves on its own timers. The last step is not
        // polled: the next command then runs in the same loop iteration that drains what the capture model did meanwhile,
        // before the drain (a reward that fired on a lick is not reported yet when a disarm or a new arming arrives).
        void Advance(ulong gap)
        {
            ulong target = clock.NowMicros + gap;
            ulong idleFrom = clock.NowMicros;
            while (clock.NowMicros < target)
            {
                ulong step = device.Train.IsActive ? 1_000ul : 50_000ul;
                ulong next = Math.Min(target, clock.NowMicros + step);
                if (!device.Train.IsActive && next - idleFrom > 2_000_000)
                {
                    next = target;
                }

                clock.AdvanceTo(next);
                if (next < target)
                {
                    device.Poll(next);
                }
            }
        }

        foreach (var op in ops)
        {
            ulong now = clock.NowMicros;
            switch (op.Kind)
            {
                case OpKind.Advance:
                    Advance(op.Gap);
                    break;
                case OpKind.Pulse:
                    Send(new Command { Opcode = CommandOpcode.PulseValve, Channel = op.Channel, DurationMicros = op.Duration });
                    break;
                case OpKind.Arm:
                    // Windows starting now or a little before or after it.
                    ulong start = (op.Gap & 1) == 0 ? now + (op.Gap % 3_000_000) : now - Math.Min(now, op.Gap % 3_000_000);
                    Send(new Command
                    {
                        Opcode = CommandOpcode.ArmReward, Channel = op.Channel, DurationMicros = op.Duration,
                        WindowStartMicros = start, WindowEndMicros = start + op.Span,
                    });
                    break;
                case OpKind.Disarm:
                    Send(new Command { Opcode = CommandOpcode.Disarm });
                    break;
                case OpKind.Lick:
                    // A lick onset soon (up to 10 ms from now) and its offset 30 ms later: an armed reward fires on it.
                    ulong lick = now + (op.Gap % 10_000);
                    capture.Schedule(new CaptureRecord(lick, CaptureLine.Lick, 0, 1));
                    capture.Schedule(new CaptureRecord(lick + 30_000, CaptureLine.Lick, 0, 0));
                    break;
                case OpKind.Train:
                    Send(new Command
                    {
                        Opcode = CommandOpcode.PulseTrain, Output = PulseTrainOutput.Valve, Channel = op.Channel, PulseCount = (ushort)op.Count,
                        Seed = op.Gap | 1, MinIntervalMicros = 1 + (op.Gap % 200_000), MaxIntervalMicros = 1 + (op.Gap % 200_000) + (op.Gap % 7_919),
                        MinWidthMicros = 1 + (op.Duration / 2), MaxWidthMicros = op.Duration,
                    });
                    break;
                case OpKind.Race:
                    // A lick 1 ms from now, and 2 ms later, before the loop has drained the reward it fired, a disarm or
                    // a new arming of op.Duration; then a pulse of the same length.
                    capture.Schedule(new CaptureRecord(now + 1_000, CaptureLine.Lick, 0, 1));
                    capture.Schedule(new CaptureRecord(now + 31_000, CaptureLine.Lick, 0, 0));
                    clock.AdvanceTo(now + 2_000);
                    Send((op.Gap & 1) == 0
                        ? new Command { Opcode = CommandOpcode.Disarm }
                        : new Command
                        {
                            Opcode = CommandOpcode.ArmReward, Channel = op.Channel, DurationMicros = op.Duration,
                            WindowStartMicros = now, WindowEndMicros = now + op.Span,
                        });
                    Send(new Command { Opcode = CommandOpcode.PulseValve, Channel = (byte)(op.Channel ^ 1), DurationMicros = op.Duration });
                    break;
                case OpKind.Flood:
                    // Pulses as fast as the gap allows: what a hostile client would send.
                    for (int i = 0; i < op.Count; i++)
                    {
                        Send(new Command { Opcode = CommandOpcode.PulseValve, Channel = (byte)(i & 1), DurationMicros = op.Duration });
                        Advance(op.Gap % 400_000);
                    }

                    break;
            }
        }

        // Long enough for every pulse, train and armed window to end.
        device.Train.Stop();
        Advance(200_000_000);
        device.Poll(clock.NowMicros);
        Assert.All(openedAt, o => Assert.Null(o));
        return new RunResult(intervals, device.WaterBudget.Refusals);
    }

    /// <summary>
    /// Open time (summed over both valves) and openings in every sliding window. The most a window can hold is reached
    /// with its start at an opening's start or its end at an opening's end, so those windows are the ones checked.
    /// </summary>
    private static void CheckLimits(DeviceConfig config, List<(ulong Start, ulong End)> intervals)
    {
        Check(config.WaterWindowMicros, config.WaterWindowMaxOpenMicros, config.WaterWindowMaxOpenings, intervals);
        Check(config.WaterSessionWindowMicros, config.WaterSessionMaxOpenMicros, int.MaxValue, intervals);
    }

    private static void Check(ulong window, ulong maxOpen, int maxOpenings, List<(ulong Start, ulong End)> intervals)
    {
        var candidates = new List<ulong>();
        foreach (var (start, end) in intervals)
        {
            candidates.Add(start);
            candidates.Add(end > window ? end - window : 0);
        }

        foreach (ulong a in candidates)
        {
            ulong b = a + window;
            ulong open = 0;
            int openings = 0;
            foreach (var (start, end) in intervals)
            {
                ulong from = Math.Max(start, a);
                ulong to = Math.Min(end, b);
                if (to > from)
                {
                    open += to - from;
                    openings++;
                }
            }

            Assert.True(open <= maxOpen, $"{open} µs open in the {window} µs from {a} µs (limit {maxOpen} µs)");
            Assert.True(openings <= maxOpenings, $"{openings} openings in the {window} µs from {a} µs (limit {maxOpenings})");
        }
    }
}
