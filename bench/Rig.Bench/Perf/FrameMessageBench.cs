using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Rig.Experiment.Vr;
using Rig.Recording.Link;
using Rig.TestSupport;
using Rig.VirtualRig.Peripherals;

namespace Rig.Bench.Perf;

/// <summary>
/// `Rig.Bench vr-frames [rates per second ...] [--seconds S]`: can the simulated renderer's frame messages reach Mosquitto
/// at a virtual rig's speed-up (60 Hz × speed: 3600/s at 60×)? Offers frame messages through <see cref="SimFramePublisher"/>
/// (one link, QoS 1, in order) at each rate for S seconds of wall time and counts what a subscriber receives; prints the
/// rate achieved, how far the publisher's queue fell behind, and the delivery lag (publish offered → received) median/p99.
/// </summary>
public static class FrameMessageBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var c = CultureInfo.InvariantCulture;
        double seconds = 5;
        var rates = new System.Collections.Generic.List<double>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--seconds" && i + 1 < args.Length)
            {
                seconds = double.Parse(args[++i], c);
            }
            else if (double.TryParse(args[i], NumberStyles.Float, c, out double r) && r > 0)
            {
                rates.Add(r);
            }
            else
            {
                Console.Error.WriteLine($"not a rate in messages per second: '{args[i]}'");
                return 2;
            }
        }

        if (rates.Count == 0)
        {
            rates.AddRange([60, 1200, 3600, 7200]);
        }

        await using var broker = await MosquittoBroker.StartAsync();
        var links = new MqttLinkFactory(broker.Address);
        Console.WriteLine($"frame messages through Mosquitto ({broker.Address}), one publisher link, QoS 1; {Environment.ProcessorCount} cores");
        Console.WriteLine("offered/s | received/s | received | queue max | lag median ms | lag p99 ms");
        foreach (double rate in rates)
        {
            await using var subscriber = links.Create(new LinkOptions { ClientId = "bench-sub" });
            await subscriber.ConnectAsync(CancellationToken.None);
            var topics = new VrTopics("bench");
            await subscriber.SubscribeAsync(topics.Frame, CancellationToken.None);
            await using var link = links.Create(new LinkOptions { ClientId = "bench-pub" });
            await link.ConnectAsync(CancellationToken.None);
            await using var publisher = new SimFramePublisher(link, 1 << 20);

            int total = (int)(rate * seconds);
            var offeredAt = new long[total];
            var lags = new double[total];
            int received = 0;
            var receiving = Task.Run(async () =>
            {
                await foreach (var m in subscriber.Messages.ReadAllAsync())
                {
                    FrameMessage.TryRead(m.Payload.Span, out var f);
                    lags[received] = Stopwatch.GetElapsedTime(offeredAt[f.FrameId]).TotalMilliseconds;
                    if (Interlocked.Increment(ref received) == total)
                    {
                        return;
                    }
                }
            });

            var wall = Stopwatch.StartNew();
            long queueMax = 0;
            for (int id = 0; id < total; id++)
            {
                // Paced as a rig at that speed-up offers them (in bursts of a 1 ms tick's worth).
                double dueMs = id / rate * 1000;
                if (dueMs - wall.Elapsed.TotalMilliseconds >= 1)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(dueMs - wall.Elapsed.TotalMilliseconds));
                }

                offeredAt[id] = Stopwatch.GetTimestamp();
                publisher.Offer(topics.Frame, FrameMessage.Write(id, id * 16_666_667L, null, (byte)(id % 2 == 0 ? 1 : 0)));
                queueMax = Math.Max(queueMax, id + 1 - publisher.Published);
            }

            bool done = await Task.WhenAny(receiving, Task.Delay(TimeSpan.FromSeconds(30))) == receiving;
            double elapsed = wall.Elapsed.TotalSeconds;
            int got = Volatile.Read(ref received);
            var sorted = lags.Take(got).Order().ToArray();
            Console.WriteLine(string.Create(c,
                $"{rate,9:0} | {got / elapsed,10:0} | {got,8}{(done ? "" : " (stopped waiting)")} | {queueMax,9} | {sorted[sorted.Length / 2],13:0.0} | {sorted[(int)(sorted.Length * 0.99)],10:0.0}"));
        }

        return 0;
    }
}
