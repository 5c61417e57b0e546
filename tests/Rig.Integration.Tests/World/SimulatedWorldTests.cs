using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Recording.Bridge;
using Rig.Recording.Decoding;
using Rig.Recording.Sessions;
using Rig.Recording.Sync;
using Rig.Protocol;
using Rig.TestSupport;
using Rig.VirtualRig;
using Rig.VirtualRig.World;
using Xunit;

namespace Rig.Integration.Tests.World;

/// <summary>The virtual rig in a simulated world: a crystal that is off nominal and a lossy, heavy-tailed network.</summary>
public sealed class SimulatedWorldTests
{
    [Fact]
    public async Task A_fast_session_over_lossy_busy_wifi_loses_messages_and_still_arrives_with_every_event_number_once()
    {
        // Busy Wi-Fi with five times its loss bursts, so one virtual minute surely loses messages (about 12 bursts
        // expected). Speed 20, not as fast as possible: the test runs beside others, and at full speed a starved
        // bridge acknowledges so late in virtual time that the device's resends swamp the link.
        var busy = VirtualWorld.FromFile(ScenarioPath("busy-wifi"), lossOnlyWhileRunning: true);
        var world = busy with
        {
            Scenario = busy.Scenario with { Uplink = busy.Scenario.Uplink with { BurstLossChance = busy.Scenario.Uplink.BurstLossChance * 5 } },
        };
        var (r, _) = await Record(world, "busy-fast", speed: 20, TimeSpan.FromMinutes(1), seed: 11);
        var counts = r.Session.Counts;
        Log(
            $"uplink {r.Device.UplinkLost}/{r.Device.UplinkSent} lost, downlink {r.Device.DownlinkLost}/{r.Device.DownlinkSent} lost; " +
            $"resend requests {counts.ResendRequests}, resent batches {counts.ResentBatches}, device resent {r.Device.BatchesResent}; " +
            $"events {counts.EventsTotal}, wall {r.Device.WallSeconds:F1} s");

        Assert.True(r.Complete, $"incomplete: missing batches {counts.MissingBatches}, unexplained {counts.UnexplainedMissingEvents}, drained {r.Session.Drained}, acked {r.Device.FullyAcknowledged}");
        Assert.True(r.RedecodeMatches, "re-decoding the journal gave other counts");
        var boot = Assert.Single(counts.Boots);
        Assert.Empty(boot.Gaps);
        Assert.Equal((long)(boot.EndEventSeq!.Value - boot.FirstEventSeq!.Value), boot.Events);
        Assert.Equal(boot.Events, counts.EventsTotal);
        Assert.True(boot.EndEventSeq >= r.Device.EventsCaptured - 64, $"recorded up to {boot.EndEventSeq}, device numbered {r.Device.EventsCaptured}");

        // The network really lost messages, and the batches among them came back through resends.
        Assert.True(r.Device.UplinkLost > 0, $"the network lost none of {r.Device.UplinkSent} device messages");
        Assert.True(r.Device.BatchesResent > 0, "the device never resent a batch");
    }

    [Fact]
    public async Task A_session_over_busy_wifi_recovers_the_crystal_rate_error_within_two_ppm()
    {
        // The bridge's host clock is the simulation's true timeline (VirtualHostTime), as the host's clock is the truth
        // on a real rig, so the fitted rate compares with the crystal directly. The simulation delivers each message at
        // its own instant and holds virtual time while the bridge stamps a clock-exchange reply (HostInbox), so the
        // stamps carry only the scenario's network delays, whatever the speed and the machine's load.
        //
        // Measured before that (docs/sync.md, "The simulated world"): 4-15 ppm off, because stamps were rounded to the
        // 1 ms tick and the in-process hops (~1 ms on the uplink only, varying with load) passed in virtual time.
        // A rate to ±2 ppm needs minutes of exchanges: the busy Wi-Fi scenario's own asymmetry leaves ~0.35 ms of
        // residual scatter, which over one minute is ±4 ppm (1σ); over four minutes at 2 Hz about ±0.5 ppm.
        var world = VirtualWorld.FromFile(ScenarioPath("busy-wifi"), lossOnlyWhileRunning: true);
        var sink = new FrameSink();

        // Speed 10: the bridge's acknowledgement round (a wall-clock timer) every 20 ms is 200 ms of virtual time, so
        // exchanges keep their 2 Hz and the device's resend buffer stays small.
        var bridge = new BridgeOptions { AckInterval = TimeSpan.FromMilliseconds(20) };
        var (r, decoder) = await Record(world, "busy-rate", speed: 10, TimeSpan.FromMinutes(4), seed: 12, sink, new VirtualHostTime(), bridge);
        Assert.True(r.Complete, $"incomplete: missing batches {r.Session.Counts.MissingBatches}");

        var boot = Assert.Single(r.Session.Counts.Boots);
        var timeline = new DeviceTimeline(new CrystalClock(world.Scenario.Crystal, world.DeviceStartMicros));
        var map = decoder.ClockOf(boot.BootId)!;

        // The rate over the whole session: one fit through all its exchanges (the map itself fits 2-minute windows to
        // follow temperature drift; one window's rate is good to ~±1.5 ppm here, reported below).
        var fit = ClockFit.Fit(map.Exchanges);
        Assert.NotNull(fit);
        var window = map.FitAt(map.NewestDeviceMicros)!;

        // The crystal's mean rate over the span the fit used (it wanders by up to 2 ppm over the session), as host ns
        // per device µs above nominal: the convention of ClockFit.RateErrorPpm (positive: device slow).
        double first = fit.FirstMicros;
        double last = fit.LastMicros;
        double expectedPpm = ((timeline.TrueNanos((ulong)last) - timeline.TrueNanos((ulong)first)) / ((ulong)last - (ulong)first) / 1000.0 - 1) * 1e6;

        // Ground truth against the map, reported: each frame's mapped host time minus its true time. Resent batches
        // arrive late, so the frames are put back in device order.
        var frames = sink.FrameMicros.Distinct().Order().ToList();
        Assert.True(frames.Count > 1000, $"{frames.Count} frames");
        var errors = frames.Select(f => map.ToHost(f)!.Value.HostNanos - timeline.TrueNanos(f)).ToList();
        double medianMicros = errors.Order().ElementAt(errors.Count / 2) / 1000;
        double p99Micros = errors.Select(e => Math.Abs(e) / 1000).Order().ElementAt((int)(errors.Count * 0.99));
        Log(
            $"crystal {expectedPpm:F2} ppm, fitted {fit.RateErrorPpm:F2} ppm over {(last - first) / 1e6:F0} s (newest window {window.RateErrorPpm:F2} ppm), {boot.Clock.Exchanges} exchanges " +
            $"({boot.Clock.RejectedExchanges} rejected), residual rms {fit.ResidualRmsNanos / 1000:F0} µs; mapped minus true: median {medianMicros:F0} µs, " +
            $"p99 |error| {p99Micros:F0} µs; host waits given up {r.Device.HostWaitTimeouts}; wall {r.Device.WallSeconds:F0} s");

        Assert.InRange(fit.RateErrorPpm, expectedPpm - 2, expectedPpm + 2);

        // Every frame maps to within a millisecond of its true time (the network-only map's p99 is ~0.1-0.3 ms here).
        Assert.True(p99Micros < 1000, $"p99 |mapped - true| {p99Micros:F0} µs");
    }

    [Fact]
    public void The_network_never_lets_a_later_message_overtake_an_earlier_one_and_adds_at_least_the_floor()
    {
        var scenario = WorldScenario.Load(ScenarioPath("busy-wifi"));
        var network = new SimNetwork(scenario, seed: 3);
        var sentAt = new Dictionary<int, ulong>();
        var released = new List<(int Index, ulong At)>();
        ulong now = 0;
        for (int i = 0; i < 20_000; i++)
        {
            now += 500;
            if (network.SendUp(new OutgoingMessage("t", BitConverter.GetBytes(i), false), now))
            {
                sentAt[i] = now;
            }

            while (network.TryReleaseUp(now, out var m))
            {
                released.Add((BitConverter.ToInt32(m.Payload), now));
            }
        }

        while (network.Held > 0)
        {
            now += 500;
            while (network.TryReleaseUp(now, out var m))
            {
                released.Add((BitConverter.ToInt32(m.Payload), now));
            }
        }

        Assert.Equal(sentAt.Count, released.Count);
        Assert.Equal(network.UplinkSent - network.UplinkLost, released.Count);
        Assert.True(network.UplinkLost > 0, "busy Wi-Fi lost nothing in 20 000 messages");
        Assert.Equal(released.Select(x => x.Index).Order(), released.Select(x => x.Index));
        Assert.All(released, x => Assert.True(x.At >= sentAt[x.Index] + (ulong)scenario.Uplink.FloorMicros));

        // Heavy tail: some messages (stragglers, and those queued behind them) take over 50 ms.
        Assert.Contains(released, x => x.At - sentAt[x.Index] >= 50_000);
    }

    [Fact]
    public void Every_shipped_scenario_loads_and_the_outage_and_reboot_scenarios_carry_their_event()
    {
        var restart = WorldScenario.Load(ScenarioPath("broker-restart"));
        var reboot = WorldScenario.Load(ScenarioPath("device-reboot"));
        Assert.Empty(WorldScenario.Load(ScenarioPath("busy-wifi")).Events);
        Assert.Empty(WorldScenario.Load(ScenarioPath("quiet-lan")).Events);
        var outage = Assert.Single(restart.Events);
        Assert.Equal((WorldEventKind.BrokerRestart, 0.5, 20.0), (outage.Kind, outage.AtFraction, outage.DurationSeconds));
        var boot = Assert.Single(reboot.Events);
        Assert.Equal((WorldEventKind.DeviceReboot, 0.4, 3.0), (boot.Kind, boot.AtFraction, boot.DurationSeconds));
    }

    [Theory]
    [InlineData("{ \"events\": [ { \"kind\": \"device_reboot\", \"at_fraction\": 1.5 } ] }", "events[0].at_fraction")]
    [InlineData("{ \"events\": [ { \"kind\": \"meteor\" } ] }", "events[0].kind")]
    [InlineData("{ \"events\": [ { \"kind\": \"broker_restart\", \"duration_seconds\": -1 } ] }", "events[0].duration_seconds")]
    [InlineData("{ \"events\": [ { \"kind\": \"broker_restart\", \"at_fraction\": 0.6 }, { \"kind\": \"device_reboot\", \"at_fraction\": 0.2 } ] }", "events[1].at_fraction")]
    public void A_scenario_with_a_bad_event_is_refused_with_the_file_and_the_field(string json, string named)
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("bad.json");
        File.WriteAllText(path, json);
        var e = Assert.Throws<InvalidDataException>(() => WorldScenario.Load(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ground_truth_maps_device_time_back_to_the_true_time_it_was_read_at()
    {
        var crystal = new CrystalOptions { OffsetPpm = -17, WanderPpm = 2, WanderPeriodMinutes = 30 };
        var timeline = new DeviceTimeline(new CrystalClock(crystal, 5_000_000));
        foreach (ulong trueMicros in new ulong[] { 0, 1, 999_999, 60_000_000, 3_600_000_123 })
        {
            ulong device = timeline.ToDevice(trueMicros);
            Assert.InRange(timeline.TrueNanos(device) / 1000, trueMicros - 1.0, trueMicros + 0.001);
        }

        // -17 ppm: after an hour of true time the device is about 61 ms behind nominal.
        double behind = 3_600_000_000.0 - (timeline.ToDevice(3_600_000_000) - 5_000_000.0);
        Assert.InRange(behind, 61_200 - 1_000, 61_200 + 1_000);
    }

    /// <summary>Records a session and re-decodes its journal (into <paramref name="sink"/>) before the folder goes.</summary>
    private static async Task<(VirtualSessionResult Result, SessionDecoder Decoder)> Record(VirtualWorld world, string name,
        double speed, TimeSpan duration, int seed, IEventSink? sink = null, TimeProvider? hostTime = null, BridgeOptions? bridge = null)
    {
        using var dir = new TempDirectory();
        var links = new InMemoryBroker().CreateLinkFactory();
        string folder = dir.Combine(name);
        var options = new VirtualRigOptions { RigId = "rig-" + name, Seed = seed, Speed = speed, World = world };
        var result = await VirtualSession.RecordAsync(links, links, options, bridge ?? new BridgeOptions(), folder, duration,
            new SessionStartInfo(links.Description, "tests"), hostTime ?? TimeProvider.System, NullLogger.Instance, progress: null,
            TestContext.Current.CancellationToken);
        var session = SessionFolder.Open(folder);
        return (result, (sink is null ? session.Replay() : session.Replay(sink)).Decoder);
    }

    private static void Log(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    /// <summary>The repository's scenario files (host/Rig.VirtualRig/Scenarios), found from the test's output folder.</summary>
    private static string ScenarioPath(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string path = Path.Combine(dir.FullName, "host", "Rig.VirtualRig", "Scenarios", name + ".json");
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException($"scenario {name}.json not found above {AppContext.BaseDirectory}");
    }

    /// <summary>Frame-clock events' device times: frequent, regular, and spread over the whole session.</summary>
    private sealed class FrameSink : IEventSink
    {
        public List<ulong> FrameMicros { get; } = [];

        public void OnEvents(uint bootId, ulong firstEventSeq, ReadOnlySpan<EventRecord> records, long hostNanos)
        {
            foreach (var e in records)
            {
                if (e.Kind == EventKind.Frame)
                {
                    FrameMicros.Add(e.DeviceMicros);
                }
            }
        }
    }
}
