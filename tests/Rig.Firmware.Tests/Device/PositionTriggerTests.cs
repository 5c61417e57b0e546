using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Experiment.Tasks;
using Rig.Firmware.Capture;
using Rig.Firmware.Hardware;
using Rig.Firmware.Tests.Support;
using Rig.Protocol;
using Xunit;

namespace Rig.Firmware.Tests;

/// <summary>
/// Position triggers on the device (docs/task.md, "Position triggers on the device"): armed ahead of time, decided at the
/// encoder sample that reaches them, whatever the host does meanwhile.
/// </summary>
public sealed class PositionTriggerTests
{
    private static Command ArmTrigger(uint tag, byte action, long threshold, byte mode = TriggerMode.Count, ushort hz = 0, uint micros = 0) => new()
    {
        Opcode = CommandOpcode.ArmTrigger,
        CommandId = 100 + tag * 8 + action,
        TriggerTag = tag,
        TriggerAction = action,
        TriggerMode = mode,
        Threshold = threshold,
        FrequencyHz = hz,
        DurationMicros = micros,
    };

    private static Command Reset(uint thresholdMcps = 6_000, uint speedUmps = 600_000) => new()
    {
        Opcode = CommandOpcode.ResetTriggers,
        CommandId = 99,
        GateThresholdMilliCountsPerSecond = thresholdMcps,
        GatedSpeedMicrometresPerSecond = speedUmps,
        SpeedWindowMicros = (uint)CorridorModel.SpeedWindowMicros,
    };

    private static DeviceHarness CaptureSampledDevice() => new(c =>
    {
        c.EncoderSampleIntervalMicros = 0; // the capture layer samples the encoder (CaptureLine.EncoderSample records)
        c.EncoderKeepAliveMicros = 100_000;
    });

    [Fact]
    public void A_cue_and_a_zone_armed_on_the_device_fire_at_their_count_with_no_command_from_the_host_in_between()
    {
        var h = CaptureSampledDevice();
        h.Device.Start(0);
        Assert.Equal(AckResult.Ok, h.ExecuteForAck(ArmTrigger(3, TriggerAction.PlayCue, 500, hz: 5000, micros: 200_000), 1_000).Result);
        Assert.Equal(AckResult.Ok, h.ExecuteForAck(ArmTrigger(3, TriggerAction.OpenZone, 800, micros: 40_000), 2_000).Result);
        Assert.Equal(AckResult.Ok, h.ExecuteForAck(ArmTrigger(3, TriggerAction.CloseZone, 1_200), 3_000).Result);
        h.Valve.ForceCloses.Clear();

        // The wheel turns 7 counts per ms; the host says nothing for the whole second.
        var toneAt = new List<ulong>();
        for (ulong t = 10_000; t <= 1_000_000; t += 1_000)
        {
            h.Capture.Push(new CaptureRecord(t, CaptureLine.EncoderSample, 0, 0, (long)(t - 10_000) / 1_000 * 7));
            int plays = h.Tone.Plays.Count;
            h.Device.Poll(t);
            if (h.Tone.Plays.Count > plays)
            {
                toneAt.Add(t);
            }
        }

        h.Device.Flush(1_001_000);

        // Count 500 is first reached at sample 72 (504), 800 at sample 115 (805), 1200 at sample 172 (1204).
        ulong cueSample = 10_000 + 72 * 1_000, zoneSample = 10_000 + 115 * 1_000, closeSample = 10_000 + 172 * 1_000;
        Assert.Equal([cueSample], toneAt);
        Assert.Equal([((ushort)5000, 200_000u)], h.Tone.Plays);
        Assert.Equal([((byte)0, zoneSample, zoneSample + PositionTriggers.ZoneWindowMicros, 40_000u)], h.Valve.Arms);
        Assert.Equal(1, h.Valve.Disarms);
        var fired = Wire.DistinctEvents(h.Link.Batches()).Where(e => e.Kind == EventKind.Trigger).Select(e => (e.Value, e.Micros)).ToList();
        Assert.Equal([((3L << 8) | TriggerAction.PlayCue, cueSample), ((3L << 8) | TriggerAction.OpenZone, zoneSample),
            ((3L << 8) | TriggerAction.CloseZone, closeSample)], fired);
        Assert.Equal(0, h.Device.Triggers.Armed);
        Assert.Equal(3u, h.Device.Triggers.Fired);
    }

    [Fact]
    public void A_trigger_fires_once_and_arming_the_same_tag_and_action_again_replaces_its_threshold()
    {
        var h = CaptureSampledDevice();
        h.Device.Start(0);
        h.ExecuteForAck(ArmTrigger(1, TriggerAction.TextureEnd, 100), 1_000);
        h.ExecuteForAck(ArmTrigger(1, TriggerAction.TextureEnd, 300), 2_000); // replaces 100
        Assert.Equal(1, h.Device.Triggers.Armed);
        foreach (var (t, count) in new[] { (10_000ul, 150L), (11_000ul, 320L), (12_000ul, 10L), (13_000ul, 400L) })
        {
            h.Capture.Push(new CaptureRecord(t, CaptureLine.EncoderSample, 0, 0, count));
            h.Device.Poll(t);
        }

        h.Device.Flush(20_000);
        var fired = Wire.DistinctEvents(h.Link.Batches()).Where(e => e.Kind == EventKind.Trigger).ToList();
        Assert.Equal([11_000ul], fired.Select(e => e.Micros));
    }

    [Fact]
    public void A_full_trigger_table_refuses_the_next_arming_with_its_capacity_and_a_reset_empties_it()
    {
        var h = CaptureSampledDevice();
        h.Device.Start(0);
        for (uint i = 0; i < PositionTriggers.Capacity; i++)
        {
            Assert.Equal(AckResult.Ok, h.ExecuteForAck(ArmTrigger(i, TriggerAction.TextureEnd, 1_000), 1_000 + i).Result);
        }

        var refused = h.ExecuteForAck(ArmTrigger(99, TriggerAction.TextureEnd, 1_000), 2_000);
        Assert.Equal((AckResult.OutOfRange, (uint)PositionTriggers.Capacity), (refused.Result, refused.Detail));
        Assert.Equal(AckResult.Ok, h.ExecuteForAck(Reset(), 3_000).Result);
        Assert.Equal(0, h.Device.Triggers.Armed);
    }

    [Fact]
    public void A_run_gated_trigger_is_refused_before_the_run_gate_is_set_up()
    {
        var h = CaptureSampledDevice();
        h.Device.Start(0);
        var ack = h.ExecuteForAck(ArmTrigger(1, TriggerAction.TextureEnd, 1_000, TriggerMode.GatedDistance), 1_000);
        Assert.Equal(AckResult.OutOfRange, ack.Result);
        Assert.Equal(0, h.Device.Triggers.Armed);
    }

    [Fact]
    public void A_reset_answers_with_an_origin_event_stamped_with_the_last_sample_so_the_host_counts_the_same_samples()
    {
        var h = CaptureSampledDevice();
        h.Device.Start(0);
        h.Capture.Push(new CaptureRecord(5_000, CaptureLine.EncoderSample, 0, 0, 42));
        h.Device.Poll(5_500);
        h.ExecuteForAck(Reset(), 6_000);
        h.Device.Flush(30_000);
        var origin = Wire.DistinctEvents(h.Link.Batches()).Single(e => e.Kind == EventKind.Trigger);
        Assert.Equal((0L, 5_000ul), (origin.Value, origin.Micros));
        Assert.Equal(0, h.Device.Triggers.GatedDistanceMicrometres);
    }

    [Fact]
    public void A_run_gated_trigger_fires_at_the_unchanged_count_sample_that_reaches_it_and_that_sample_is_reported()
    {
        var h = CaptureSampledDevice();
        h.Device.Start(0);
        h.ExecuteForAck(Reset(thresholdMcps: 1_000, speedUmps: 600_000), 500); // run threshold 1 count/s, 0.6 µm per gated µs
        h.ExecuteForAck(ArmTrigger(1, TriggerAction.TextureEnd, 1_100, TriggerMode.GatedDistance), 600);

        // One count every 2 ms. Gated from the 2 ms sample on: 600 µm at 2 ms, 1,200 µm at 3 ms (count unchanged), 1,800 at 4 ms.
        for (ulong t = 1_000; t <= 6_000; t += 1_000)
        {
            h.Capture.Push(new CaptureRecord(t, CaptureLine.EncoderSample, 0, 0, (long)(t / 2_000)));
            h.Device.Poll(t);
        }

        h.Device.Flush(30_000);
        var events = Wire.DistinctEvents(h.Link.Batches());
        var fired = events.Single(e => e.Kind == EventKind.Trigger && e.Value != TriggerAction.Origin);
        Assert.Equal(3_000ul, fired.Micros);
        Assert.Equal([(1_000ul, 0L), (2_000ul, 1L), (3_000ul, 1L), (4_000ul, 2L), (6_000ul, 3L)],
            events.Where(e => e.Kind == EventKind.Encoder).Select(e => (e.Micros, e.Value)));
    }

    /// <summary>A wheel that runs in bouts: speed (cm/s) by time, with stops and a slow crawl under the run threshold.</summary>
    private static double WheelSpeed(ulong micros)
    {
        double s = micros / 1e6 % 7.0;
        return s < 3.0 ? 25 : s < 3.5 ? 3 : s < 4.2 ? 0 : s < 6.0 ? 14 + 10 * Math.Sin(micros / 1e5) : 4.5;
    }

    [Fact]
    public void Run_gated_distance_on_the_device_follows_the_host_corridor_model_sample_for_sample()
    {
        var protocol = ProtocolLoader.Load(ProtocolLoader.Resolve("supervised-leaf1-circle1"));
        const double countsPerCm = 68.6; // a 4096-count wheel of 19 cm diameter: not a whole number, as on a rig
        var model = new CorridorModel(protocol, countsPerCm, 1000);
        var h = CaptureSampledDevice();
        h.Device.Start(0);
        uint thresholdMcps = (uint)Math.Round(protocol.Movement.RunThresholdCmPerSecond * countsPerCm * 1000);
        uint speedUmps = (uint)Math.Round(protocol.Movement.RunGatedSpeedCmPerSecond * 10_000);
        h.ExecuteForAck(Reset(thresholdMcps, speedUmps), 1_000);

        // The device's distance at each reported sample against the model's cumulative position (trial × 60 + position).
        double cm = 0;
        long lastReported = long.MinValue;
        ulong lastReportMicros = 0;
        double worst = 0;
        int compared = 0;
        bool started = false;
        for (ulong t = 2_000; t <= 60_000_000; t += 1_000)
        {
            cm += WheelSpeed(t) * 1e-3;
            long count = (long)Math.Floor(cm * countsPerCm);
            h.Capture.Push(new CaptureRecord(t, CaptureLine.EncoderSample, 0, 0, count));
            h.Device.Poll(t);

            // The host sees only the reported samples (a change, or a keep-alive every 100 ms): the same ones the device integrates.
            if (count == lastReported && t - lastReportMicros < h.Config.EncoderKeepAliveMicros)
            {
                continue;
            }

            lastReported = count;
            lastReportMicros = t;
            if (!started)
            {
                model.Start(t);
                started = true;
            }

            model.OnEncoder(t, count);
            double modelDm = model.Trial * protocol.CorridorLengthDm + model.PositionDm;
            double deviceDm = h.Device.Triggers.GatedDistanceMicrometres / 1e5;
            worst = Math.Max(worst, Math.Abs(modelDm - deviceDm));
            compared++;
        }

        Assert.True(compared > 30_000, $"only {compared} samples compared");
        Assert.True(model.Trial >= 3, $"the corridor only reached trial {model.Trial}: the wheel profile does not exercise the gate");

        // The device floors to whole µm (1e-5 dm); the host sums doubles.
        Assert.True(worst < 2e-5, $"device and host model differ by up to {worst} dm");
    }

    /// <summary>
    /// The task engine and the firmware core in one loop at 1 kHz, the engine fed the device's published batches and its
    /// commands delivered at the next tick, except while the host "stalls": then it sees and sends nothing. Acknowledgements
    /// keep flowing (the recorder is not the engine). Returns the live tables and the device times of the tones played
    /// during a stall.
    /// </summary>
    private static (TaskSessionTables Tables, int CuesDuringStalls, double MaxSampleTravelDm) RunWithStalls(TaskProtocol protocol, double countsPerCm,
        TriggerPath path, int trials)
    {
        var h = CaptureSampledDevice();
        h.Device.Start(0);
        var engine = new TaskEngine(protocol, countsPerCm, new NullJournal(), triggers: path);
        int consumed = 0, decoded = 0;
        long lastCount = 0;
        var batches = new List<DecodedBatch>();
        double cm = 0, maxTravel = 0;
        int cuesDuringStalls = 0;
        static bool Stalled(ulong t) => t / 1_000 % 3_000 >= 500 && t / 1_000 % 3_000 < 1_500; // 1 s of every 3 s
        engine.Start(1_000);
        ulong t = 1_000;
        while (engine.TrialsCompleted < trials && t < 600_000_000)
        {
            t += 1_000;
            double speed = WheelSpeed(t) + 10;
            cm += speed * 1e-3;
            long count = (long)Math.Floor(cm * countsPerCm);
            if (count != lastCount)
            {
                // Proportional: the corridor's step at a sample is the counts since the last change. Run-gated: one sample
                // period at the gated speed, even where the count changes less often than every sample (the device then
                // reports the unchanged sample that reaches the threshold).
                double travel = protocol.Movement.Mode == MovementMode.Proportional
                    ? (count - lastCount) / countsPerCm * protocol.Movement.GainDmPerCm
                    : protocol.Movement.RunGatedSpeedCmPerSecond / 10 * 1e-3;
                maxTravel = Math.Max(maxTravel, travel);
                lastCount = count;
            }

            h.Capture.Push(new CaptureRecord(t, CaptureLine.EncoderSample, 0, 0, count));
            int plays = h.Tone.Plays.Count;
            h.Device.Poll(t);
            if (h.Tone.Plays.Count > plays)
            {
                // The tone monitor line sees the tone start when the device switched it on.
                h.Capture.Push(new CaptureRecord(t, CaptureLine.ToneMonitor, 0, 1));
                cuesDuringStalls += Stalled(t) ? 1 : 0;
            }

            // Decode only what was published since the last tick (the fake link keeps everything).
            var published = h.Link.Published;
            for (; decoded < published.Count; decoded++)
            {
                if (published[decoded].Topic == TopicKind.Events)
                {
                    batches.Add(Wire.DecodeBatch(published[decoded].Bytes));
                }
            }

            h.Link.Clear();
            decoded = 0;
            if (t % 100_000 == 0 && batches.Count > 0)
            {
                h.Offer(Cmd.AckBatches(0xACC, batches[^1].BatchSeq), t);
            }

            if (Stalled(t))
            {
                continue;
            }

            for (; consumed < batches.Count; consumed++)
            {
                engine.OnEvents(DeviceHarness.Boot, batches[consumed].Records);
            }

            engine.Advance(t);
            foreach (var c in engine.TakeCommands())
            {
                h.Offer(c.Command, t);
            }
        }

        engine.Stop(t);
        return (engine.Tables.Build("m", DateOnly.MinValue, 1), cuesDuringStalls, maxTravel);
    }

    [Fact]
    public void A_task_started_on_a_still_wheel_starts_at_its_plan_and_not_at_the_older_keep_alive_the_device_names_as_its_origin()
    {
        var h = CaptureSampledDevice();
        h.Device.Start(0);
        var engine = new TaskEngine(CueAndZone("run_gated"), 68.6, new NullJournal());
        int decoded = 0;
        for (ulong t = 1_000; t <= 600_000; t += 1_000)
        {
            // Still: reported at 1 ms, then as keep-alives every 100 ms (101, 201, 301 ms ...).
            h.Capture.Push(new CaptureRecord(t, CaptureLine.EncoderSample, 0, 0, 7));
            h.Device.Poll(t);
            if (t == 350_000)
            {
                engine.Start(t);
            }

            for (; decoded < h.Link.Published.Count; decoded++)
            {
                if (h.Link.Published[decoded].Topic == TopicKind.Events && t >= 350_000)
                {
                    engine.OnEvents(DeviceHarness.Boot, Wire.DecodeBatch(h.Link.Published[decoded].Bytes).Records);
                }
            }

            foreach (var c in engine.TakeCommands())
            {
                h.Offer(c.Command, t);
            }
        }

        h.Device.Flush(601_000);
        var origin = Wire.DistinctEvents(h.Link.Batches()).Single(e => e.Kind == EventKind.Trigger && e.Value == TriggerAction.Origin);
        Assert.Equal(301_000ul, origin.Micros);
        Assert.Equal(350_000ul, engine.Tables.StartDeviceMicros);
        Assert.Equal(1, engine.TrialsStarted);
    }

    private sealed class NullJournal : ITaskJournal
    {
        public void Mark(TaskMarker marker)
        {
        }
    }

    private static TaskProtocol CueAndZone(string movement)
    {
        // The reward-zone task with the supervised task's cue as well, so every trial has a cue and rewarded ones a zone.
        var zone = ProtocolLoader.Load(ProtocolLoader.Resolve("reward-zone-behaviour"));
        var cue = ProtocolLoader.Load(ProtocolLoader.Resolve("supervised-leaf1-circle1")).Cue;
        var p = zone with { Cue = cue };
        return movement == "proportional" ? p with { Movement = new MovementSpec(MovementMode.Proportional, 0.1, 0, 0) } : p;
    }

    [Theory]
    [InlineData("proportional", 40.0)]
    [InlineData("run_gated", 68.6)]
    public void With_the_host_stalled_a_second_in_every_three_the_device_still_plays_every_cue_and_opens_every_zone_at_its_planned_position(
        string movement, double countsPerCm)
    {
        var protocol = CueAndZone(movement);
        var (tables, cuesDuringStalls, travel) = RunWithStalls(protocol, countsPerCm, TriggerPath.Device, trials: 8);
        var errors = tables.Positions!;
        Assert.Equal("device", errors.TriggerPath);
        Assert.True(errors.Cues >= 8, $"{errors.Cues} cues played");
        Assert.True(errors.ZoneEntries >= 2, $"{errors.ZoneEntries} zones opened");
        Assert.True(cuesDuringStalls >= 1, "no cue fell in a stall: the test would prove nothing");
        foreach (double e in errors.CueErrorsDm.Concat(errors.ZoneErrorsDm))
        {
            // At or past the planned position, by at most the corridor's step at the sample that reached it.
            Assert.InRange(e, -1e-4, travel + 1e-4);
        }
    }

    [Fact]
    public void The_host_triggered_baseline_under_the_same_stalls_plays_cues_decimetres_late()
    {
        var (tables, _, _) = RunWithStalls(CueAndZone("run_gated"), 68.6, TriggerPath.Host, trials: 8);
        var errors = tables.Positions!;
        Assert.Equal("host", errors.TriggerPath);
        Assert.True(errors.CueMaxDm > 1.0, $"the worst host-triggered cue was only {errors.CueMaxDm} dm late");
    }
}
