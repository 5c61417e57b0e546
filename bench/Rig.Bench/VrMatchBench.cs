using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Rig.Recording.Decoding;
using Rig.TestSupport;

namespace Rig.Bench;

/// <summary>
/// `-- vr-match [minutes]`: how fast the decoder takes a VR session's records (frame messages, photodiode edges, encoder
/// samples, clock exchanges) through the live photodiode matcher, and what the matcher found against ground truth. The
/// synthetic session (tests/Rig.TestSupport/SyntheticVrSession.cs) drops a frame every 97 and repeats one every 89.
/// </summary>
internal static class VrMatchBench
{
    public static int Run(string[] args)
    {
        var c = CultureInfo.InvariantCulture;
        double minutes = args.Length > 0 ? double.Parse(args[0], c) : 10;
        int frames = (int)(minutes * 60 * 60);
        var session = SyntheticVrSession.Create(new SyntheticVrOptions
        {
            Frames = frames,
            Dropped = Enumerable.Range(1, frames / 97).Select(i => (long)i * 97).ToHashSet(),
            Repeated = Enumerable.Range(1, frames / 89).Select(i => (long)i * 89 + 1).ToHashSet(),
            Redelivered = new System.Collections.Generic.HashSet<long>(),
        });
        Console.WriteLine($"VR matcher: {minutes.ToString("0.#", c)} min at 60 Hz, {frames.ToString("N0", c)} frames, {session.Records.Count.ToString("N0", c)} journal records "
            + $"({Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription})");
        var times = new double[5];
        VrFrameCounts? vr = null;
        for (int run = 0; run < times.Length; run++)
        {
            var clock = Stopwatch.StartNew();
            var decoder = new SessionDecoder(SyntheticVrSession.RigId);
            foreach (var record in session.Records)
            {
                decoder.Process(record);
            }

            vr = decoder.Summarize().Vr;
            times[run] = clock.Elapsed.TotalMilliseconds;
        }

        Array.Sort(times);
        double median = times[times.Length / 2];
        long truthDisplayed = session.Frames.Count(f => f.FlipDeviceMicros is not null);
        Console.WriteLine($"  decode with matching: median {median.ToString("0.0", c)} ms of 5 (min {times[0].ToString("0.0", c)}, max {times[^1].ToString("0.0", c)}): "
            + $"{(frames / (median / 1000)).ToString("N0", c)} frames/s, {(median * 1000 / session.Records.Count).ToString("0.00", c)} µs per record");
        Console.WriteLine($"  found: {vr!.Displayed.ToString("N0", c)} displayed (ground truth {truthDisplayed.ToString("N0", c)}), {vr.Dropped} dropped, {vr.Unobservable} unobservable, "
            + $"{vr.Repeated} repeated, {vr.Unexplained} unexplained; motion-to-photon median {vr.MotionToPhotonMedianMicros} µs, max {vr.MotionToPhotonMaxMicros} µs");
        return vr.Displayed == truthDisplayed && vr.Unexplained == 0 ? 0 : 1;
    }
}
