using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;

namespace Rig.Bench.Perf;

/// <summary>What the process did while a latency run measured (issue 16: find the tail, measure rather than guess).</summary>
/// <param name="Gen0">Garbage collections of each generation during the run.</param>
/// <param name="GcPauseMs">Total time the runtime paused threads for collections during the run, ms (GC.GetTotalPauseDuration).</param>
/// <param name="MaxGapMs">The longest a dedicated probe thread, asking to wake every 1 ms, went without running, ms: a stall of the
/// whole process (collection, CPU starvation by other processes), which no single component's timing would show.</param>
/// <param name="GapsOver20Ms">How many of those gaps exceeded 20 ms.</param>
/// <param name="PoolQueueMax">The most work items waiting for the thread pool at any probe (starvation shows as a queue).</param>
/// <param name="PoolThreadsMax">The most thread-pool threads at any probe.</param>
/// <param name="LoadAverage">The machine's 1-minute load average at the start (/proc/loadavg; NaN where there is none).</param>
internal sealed record StallReport(int Gen0, int Gen1, int Gen2, double GcPauseMs, double MaxGapMs, int GapsOver20Ms,
    long PoolQueueMax, int PoolThreadsMax, double LoadAverage)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"GC {Gen0}/{Gen1}/{Gen2} (gen0/1/2), paused {GcPauseMs:0.#} ms; process stalls: longest {MaxGapMs:0.#} ms, {GapsOver20Ms} over 20 ms; thread-pool queue max {PoolQueueMax}, threads max {PoolThreadsMax}; load {LoadAverage:0.##}");
}

/// <summary>Samples the process from its own thread while a run measures; <see cref="Stop"/> returns the report.</summary>
internal sealed class StallProbe : IDisposable
{
    private const double GapThresholdMs = 20;
    private readonly Thread _thread;
    private readonly int _gen0 = GC.CollectionCount(0), _gen1 = GC.CollectionCount(1), _gen2 = GC.CollectionCount(2);
    private readonly TimeSpan _pause = GC.GetTotalPauseDuration();
    private readonly double _load = LoadAverage();
    private volatile bool _stop;
    private double _maxGapMs;
    private int _gaps;
    private long _queueMax;
    private int _threadsMax;

    public StallProbe()
    {
        // A thread of its own, not the pool's: a starved pool must not hide its own starvation from the probe.
        _thread = new Thread(Sample) { IsBackground = true, Name = "stall-probe", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    public StallReport Stop()
    {
        _stop = true;
        _thread.Join();
        return new StallReport(GC.CollectionCount(0) - _gen0, GC.CollectionCount(1) - _gen1, GC.CollectionCount(2) - _gen2,
            (GC.GetTotalPauseDuration() - _pause).TotalMilliseconds, _maxGapMs, _gaps, _queueMax, _threadsMax, _load);
    }

    public void Dispose()
    {
        if (!_stop)
        {
            Stop();
        }
    }

    private void Sample()
    {
        long last = Stopwatch.GetTimestamp();
        while (!_stop)
        {
            Thread.Sleep(1);
            long now = Stopwatch.GetTimestamp();
            double gapMs = Stopwatch.GetElapsedTime(last, now).TotalMilliseconds;
            last = now;
            _maxGapMs = Math.Max(_maxGapMs, gapMs);
            if (gapMs > GapThresholdMs)
            {
                _gaps++;
            }

            _queueMax = Math.Max(_queueMax, ThreadPool.PendingWorkItemCount);
            _threadsMax = Math.Max(_threadsMax, ThreadPool.ThreadCount);
        }
    }

    private static double LoadAverage()
    {
        const string Path = "/proc/loadavg";
        return File.Exists(Path) && double.TryParse(File.ReadAllText(Path).Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double load)
            ? load
            : double.NaN;
    }
}
