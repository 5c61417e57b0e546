using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Experiment.Alignment;
using Rig.Experiment.Tasks;
using Rig.Recording.Bridge;
using Rig.Recording.Decoding;
using Rig.TestSupport;
using Rig.VirtualRig;
using Rig.VirtualRig.Models;
using Rig.VirtualRig.Peripherals;
using Rig.VirtualRig.World;

namespace Rig.Bench;

/// <summary>
/// `-- vr-loop [--minutes 5] [--speed 20] [--seed 1] [--world busy-wifi] [--keep]`: the whole VR loop of one virtual session
/// (docs/vr.md, "Benchmark: the virtual loop"). The reference task (supervised-leaf1-circle1) runs on a virtual rig with the
/// simulated display at 60 Hz over a simulated world; the bridge records it (in-memory broker) and matches photodiode flips
/// to frame messages live. Everything the bridge derived is then scored against the simulated display's ground truth:
/// frame outcomes, the VR frame assigned to each aligned event, and motion-to-photon. Numbers are printed whether or not
/// they meet their targets; the exit code is 1 only when the run itself failed (incomplete session, re-decode differs).
/// </summary>
internal static class VrLoopBench
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Events closer than this to a true screen change are left out of the assignment score: which frame was on screen there is a matter of µs.</summary>
    private const double FlipMarginMicros = 2000;

    public static async Task<int> RunAsync(string[] args)
    {
        double minutes = 5;
        double speed = 20;
        int seed = 1;
        string worldName = "busy-wifi";
        bool keep = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (BenchArgs.TryTakeRun(args, ref i, ref minutes, ref speed, ref seed))
            {
                continue;
            }

            switch (args[i])
            {
                case "--world" when i + 1 < args.Length:
                    worldName = args[++i];
                    break;
                case "--keep":
                    keep = true;
                    break;
                default:
                    Console.Error.WriteLine($"vr-loop: bad argument '{args[i]}'; usage: vr-loop [--minutes M > 0] [--speed S > 0] [--seed N] [--world NAME] [--keep]");
                    return 2;
            }
        }

        string folder = Path.Combine(Path.GetTempPath(), $"rig-vr-loop-{Environment.ProcessId}-{DateTime.UtcNow:yyyyMMddHHmmss}");
        var protocol = ProtocolLoader.LoadNamed("supervised-leaf1-circle1");
        var options = new VirtualRigOptions
        {
            RigId = "vr-loop", Seed = seed, Speed = speed, World = VirtualWorld.Shipped(worldName), Mouse = VirtualTaskSession.TaskMouse,
            Display = new VirtualDisplayOptions { Enabled = true, RefreshHz = 60 },
        };
        Console.WriteLine($"vr-loop: {protocol.Name}, {minutes.ToString("0.##", C)} virtual min at {speed.ToString("0.##", C)}x, world {worldName}, seed {seed}, "
            + $"simulated display 60 Hz (drop {options.Display.DropProbability.ToString("0.###", C)}, repeat {options.Display.RepeatProbability.ToString("0.###", C)}); "
            + $"{Environment.ProcessorCount} cores, load {LoadAverage()}");
        var wall = Stopwatch.StartNew();
        TaskSessionOutcome outcome;
        try
        {
            outcome = await VirtualTaskSession.RunAsync(new InMemoryBroker().CreateLinkFactory(), options, new BridgeOptions(), folder,
                TimeSpan.FromMinutes(minutes), new SessionStartInfo("inmemory", "vr-loop bench"), new VirtualHostTime(), NullLogger.Instance,
                new TaskSessionSettings(protocol, "m1", new DateOnly(2025, 1, 6), 1, new MouseLearningState { Mouse = "m1" }, new LearningOptions()),
                null, CancellationToken.None);
        }
        finally
        {
            if (!keep && Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        var result = outcome.Recording;
        var display = result.Device.Display!;
        var vr = result.Session.Counts.Vr;
        Console.WriteLine($"  wall {wall.Elapsed.TotalSeconds.ToString("0.0", C)} s, {result.Device.VirtualSeconds.ToString("0.0", C)} virtual s; session complete {result.Complete}, "
            + $"journal re-decode gives the live counts {result.RedecodeMatches}{(keep ? $"; kept {folder}" : "")}");
        Console.WriteLine("  ground truth: " + display.Describe());
        if (vr is null)
        {
            Console.WriteLine("  the bridge recorded no VR frames");
            return 1;
        }

        PrintCounts(vr, display);
        PrintFrameOutcomes(outcome.Aligned.Vr, result.Derived.Alignment.VrFrames, display);
        PrintAssignment(result.Derived.Alignment.Events, result.Device.BootId, display);
        PrintMotionToPhoton(vr, display);
        return result.Complete && result.RedecodeMatches ? 0 : 1;
    }

    private static void PrintCounts(VrFrameCounts vr, SimulatedDisplayResult display)
    {
        // The bridge's "repeated" is a frame left on screen for extra refreshes, whatever the cause: the renderer missing a
        // refresh (truth's Repeated) or a dropped frame after it (the display keeps it).
        var shown = display.Frames.Where(f => f.Outcome != SimulatedFrameOutcome.Dropped).ToList();
        int heldOver = Enumerable.Range(0, Math.Max(0, shown.Count - 1)).Count(i => shown[i + 1].RefreshIndex - shown[i].RefreshIndex >= 2);
        Console.WriteLine($"  bridge: {vr.Rendered.ToString("N0", C)} frames rendered (truth {display.Rendered.ToString("N0", C)}; {vr.FramesReceived.ToString("N0", C)} messages, "
            + $"{vr.RepeatedFrameIds} redelivered), {vr.Displayed.ToString("N0", C)} matched to a flip (truth {display.Flips.ToString("N0", C)} flips), "
            + $"{vr.Dropped} dropped (truth {display.Dropped}), {vr.Unobservable} unobservable, {vr.Unverified} unverified, {vr.Repeated} repeated (truth {heldOver} on screen for two refreshes or more, {display.Repeated} of them by the renderer), "
            + $"{vr.Pending} pending");
        Console.WriteLine($"  unexplained: {vr.Unexplained} (target 0{(vr.Unexplained == 0 ? ", met" : ", MISSED")}): {vr.FrameIdGaps} frame ids never received, "
            + $"{vr.UnmatchedFlips} of {vr.PhotodiodeFlips.ToString("N0", C)} photodiode flips matched to no frame");
    }

    // Each frame's outcome against what the simulated display did with it.
    private static void PrintFrameOutcomes(VrFrameSummary? summary, IReadOnlyList<VrFrameRow> rows, SimulatedDisplayResult display)
    {
        var truth = display.Frames.ToDictionary(f => f.FrameId);
        int displayedRight = 0, displayedWrong = 0, droppedRight = 0, droppedWrong = 0, unobservableRight = 0, unobservableWrong = 0, unverified = 0;
        foreach (var row in rows)
        {
            if (row.Run != 0 || !truth.TryGetValue(row.Frame, out var t))
            {
                continue;
            }

            switch (row.Status)
            {
                case VrFrameStatus.Displayed when t.Flipped && t.DisplayDeviceMicros == row.FlipDeviceMicros:
                    displayedRight++;
                    break;
                case VrFrameStatus.Displayed:
                    displayedWrong++;
                    break;
                case VrFrameStatus.Dropped when t.Outcome == SimulatedFrameOutcome.Dropped:
                    droppedRight++;
                    break;
                case VrFrameStatus.Dropped:
                    droppedWrong++;
                    break;
                case VrFrameStatus.Unobservable when !t.Flipped:
                    unobservableRight++;
                    break;
                case VrFrameStatus.Unobservable:
                    unobservableWrong++;
                    break;
                default:
                    unverified++;
                    break;
            }
        }

        Console.WriteLine($"  frame outcomes against truth ({rows.Count.ToString("N0", C)} rows of vr_frames.csv; derived summary unexplained {summary?.Unexplained}): "
            + $"displayed {displayedRight.ToString("N0", C)} right (the flip truth made) / {displayedWrong} wrong, dropped {droppedRight} right / {droppedWrong} wrong, "
            + $"unobservable {unobservableRight} right (truth made no flip) / {unobservableWrong} wrong, {unverified} unverified");
    }

    // The VR frame aligned_events.csv puts each event in, against the frame truth had on screen at the event's device time.
    private static void PrintAssignment(IEnumerable<AlignedEventRow> events, uint bootId, SimulatedDisplayResult display)
    {
        var shown = display.Frames.Where(f => f.DisplayDeviceMicros is not null).OrderBy(f => f.DisplayDeviceMicros).ToArray();
        ulong[] changes = [.. shown.Select(f => f.DisplayDeviceMicros!.Value)];
        ulong[] flips = [.. shown.Where(f => f.Flipped).Select(f => f.DisplayDeviceMicros!.Value)];
        var farFromFlip = new Score();
        ulong end = changes[^1] + (ulong)(1e6 / display.RefreshHz);
        var far = new Score();
        var farCertain = new Score();
        var farUncertain = new Score();
        var all = new Score();
        foreach (var e in events)
        {
            if (e.BootId != bootId || e.DeviceMicros < changes[0] || e.DeviceMicros > end)
            {
                continue;
            }

            int i = Array.BinarySearch(changes, e.DeviceMicros);
            i = i < 0 ? ~i - 1 : LastOf(changes, i);
            long truthFrame = shown[i].FrameId;
            double before = e.DeviceMicros - (double)changes[i];
            double after = i + 1 < changes.Length ? changes[i + 1] - (double)e.DeviceMicros : double.MaxValue;
            bool right = e.VrFrame == truthFrame;
            all.Add(right);
            if (Distance(flips, e.DeviceMicros) > FlipMarginMicros)
            {
                farFromFlip.Add(right);
            }

            if (Math.Min(before, after) > FlipMarginMicros)
            {
                far.Add(right);
                (e.VrFrameUncertaintyMicros is <= 1 ? farCertain : farUncertain).Add(right);
            }
        }

        Console.WriteLine($"  VR frame of each event against truth: {farFromFlip.Describe()} right of events more than {FlipMarginMicros / 1000:0} ms from a photodiode flip "
            + $"(target 100%{(farFromFlip.Wrong == 0 ? ", met" : ", MISSED")}); {far.Describe()} of events more than {FlipMarginMicros / 1000:0} ms from any screen change "
            + $"(a flip or a frame shown without one), of which uncertainty 1 µs: {farCertain.Describe()}, uncertainty above 1 µs: {farUncertain.Describe()}; "
            + $"all events: {all.Describe()}");
    }

    private static double Distance(ulong[] sorted, ulong micros)
    {
        int i = Array.BinarySearch(sorted, micros);
        if (i >= 0)
        {
            return 0;
        }

        i = ~i;
        double after = i < sorted.Length ? sorted[i] - (double)micros : double.MaxValue;
        double before = i > 0 ? micros - (double)sorted[i - 1] : double.MaxValue;
        return Math.Min(before, after);
    }

    private static int LastOf(ulong[] sorted, int i)
    {
        while (i + 1 < sorted.Length && sorted[i + 1] == sorted[i])
        {
            i++;
        }

        return i;
    }

    // Motion-to-photon as the bridge derived it (device µs of the flip − device µs of the scene drawn) and as the simulated
    // display made it: the first frame shown of each scene state, its true display time on the device clock.
    private static void PrintMotionToPhoton(VrFrameCounts vr, SimulatedDisplayResult display)
    {
        var truth = new List<double>();
        var sceneToRender = new List<double>();
        var renderToLight = new List<double>();
        ulong? lastScene = null;
        foreach (var f in display.Frames)
        {
            if (f is { SceneDeviceMicros: { } scene, DisplayDeviceMicros: { } shownAt, DisplayTrueMicros: { } shownTrue } && scene != lastScene)
            {
                truth.Add((double)shownAt - scene);
                // The two legs on the simulation's true clock: the crystal's error over tens of ms is far below 1 µs.
                renderToLight.Add((double)shownTrue - f.RenderTrueMicros);
                sceneToRender.Add(truth[^1] - renderToLight[^1]);
                lastScene = scene;
            }
        }

        double[] t = [.. truth.Order()];
        double[] legA = [.. sceneToRender.Order()];
        double[] legB = [.. renderToLight.Order()];
        double? p99 = vr.MotionToPhotonP99Micros;
        Console.WriteLine($"  motion-to-photon median / p99 / max: bridge {Ms(vr.MotionToPhotonMedianMicros)} / {Ms(p99)} / {Ms(vr.MotionToPhotonMaxMicros)} ms, "
            + $"truth (first frame shown per scene state) {Ms(SortedStats.Median(t))} / {Ms(SortedStats.P99(t))} / {Ms(t.Length == 0 ? null : t[^1])} ms "
            + $"(target p99 ≤ 33 ms{(p99 <= 33_000 ? ", met" : ", MISSED")}); display latency (flip − render) median / p99 "
            + $"{Ms(vr.DisplayLatencyMedianMicros)} / {Ms(vr.DisplayLatencyP99Micros)} ms");
        Console.WriteLine($"  truth's two legs, median / p99 / max: encoder sample → frame submitted (device batch, network, waiting for the next refresh's callback) "
            + $"{Ms(SortedStats.Median(legA))} / {Ms(SortedStats.P99(legA))} / {Ms(legA.Length == 0 ? null : legA[^1])} ms; "
            + $"submitted → light at the photodiode (the next refresh + display latency) {Ms(SortedStats.Median(legB))} / {Ms(SortedStats.P99(legB))} / {Ms(legB.Length == 0 ? null : legB[^1])} ms");
    }

    private static string Ms(double? micros) => micros is { } v ? (v / 1000).ToString("0.0", C) : "n/a";

    internal static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private sealed class Score
    {
        public long Right { get; private set; }
        public long Wrong { get; private set; }

        public void Add(bool right)
        {
            Right += right ? 1 : 0;
            Wrong += right ? 0 : 1;
        }

        public string Describe() => Right + Wrong == 0 ? "none"
            : $"{(100.0 * Right / (Right + Wrong)).ToString("0.00", C)}% ({Wrong.ToString("N0", C)} wrong of {(Right + Wrong).ToString("N0", C)})";
    }
}
