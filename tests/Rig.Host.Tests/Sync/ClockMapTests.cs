using System;
using System.Collections.Generic;
using Rig.Recording.Sync;
using Xunit;

namespace Rig.Host.Tests.Sync;

public sealed class ClockMapTests
{
    /// <summary>
    /// Test fixture, not the simulator: a device clock with a rate error (and optionally a drift change) and a
    /// network whose two legs draw independent, heavy-tailed delays from the same distribution.
    /// </summary>
    private sealed class Trace(int seed, double ppm, double ppmAfterChange = double.NaN, double changeAtSeconds = double.NaN)
    {
        private readonly Random _random = new(seed);
        private const double DeviceStartMicros = 123_456_789;

        /// <summary>Device µs at host ns (the device clock integrates its rate error).</summary>
        public double Device(double hostNanos)
        {
            double seconds = hostNanos / 1e9;
            if (double.IsNaN(changeAtSeconds) || seconds <= changeAtSeconds)
            {
                return DeviceStartMicros + (hostNanos / 1000 * (1 + (ppm * 1e-6)));
            }

            double atChange = DeviceStartMicros + (changeAtSeconds * 1e6 * (1 + (ppm * 1e-6)));
            return atChange + ((hostNanos - (changeAtSeconds * 1e9)) / 1000 * (1 + (ppmAfterChange * 1e-6)));
        }

        /// <summary>One leg: 1.5 ms floor, log-normal body (median ~2 ms), and 1% stragglers of 50-200 ms.</summary>
        public double DelayNanos()
        {
            double body = Math.Exp(Math.Log(0.5e6) + (0.8 * Gaussian()));
            double tail = _random.NextDouble() < 0.01 ? 50e6 + (_random.NextDouble() * 150e6) : 0;
            return 1.5e6 + body + tail;
        }

        public SyncExchange Exchange(double hostSendNanos)
        {
            double atDevice = hostSendNanos + DelayNanos();
            double receive = Device(atDevice);
            double reply = receive + 150; // 150 µs turnaround in the main loop
            double replyHost = atDevice + 150_000;
            double back = replyHost + DelayNanos();
            return new SyncExchange((long)hostSendNanos, (ulong)receive, (ulong)reply, (long)back);
        }

        public List<SyncExchange> Exchanges(double seconds, double rateHz)
        {
            var list = new List<SyncExchange>();
            for (double t = 0; t < seconds; t += 1 / rateHz)
            {
                list.Add(Exchange(t * 1e9));
            }

            return list;
        }

        public double Uniform(double max) => _random.NextDouble() * max;

        private double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
    }

    private static double[] Errors(ClockMap map, Trace trace, double seconds, int events = 2000)
    {
        var errors = new double[events];
        for (int i = 0; i < events; i++)
        {
            double host = trace.Uniform(seconds * 1e9);
            var mapped = map.ToHost((ulong)trace.Device(host));
            Assert.NotNull(mapped);
            errors[i] = Math.Abs(mapped.Value.HostNanos - host) / 1000; // µs
        }

        Array.Sort(errors);
        return errors;
    }

    private static double P(double[] sorted, double q) => sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(q * sorted.Length))];

    [Fact]
    public void A_fit_over_exchanges_with_equal_delays_recovers_offset_and_rate_exactly()
    {
        var exchanges = new List<SyncExchange>();
        for (int i = 0; i < 20; i++)
        {
            double t1 = i * 500e6;
            double device = 1_000_000 + ((t1 + 2e6) / 1000 * (1 + 20e-6));
            exchanges.Add(new SyncExchange((long)t1, (ulong)device, (ulong)device, (long)(t1 + 4e6)));
        }

        var fit = ClockFit.Fit(exchanges, keepFraction: 1)!;
        Assert.InRange(fit.RateErrorPpm, -20.1, -19.9);
        double device5s = 1_000_000 + (5e9 / 1000 * (1 + 20e-6));
        Assert.InRange(fit.ToHostNanos(device5s), 5e9 - 2_000, 5e9 + 2_000);
    }

    [Fact]
    public void Over_heavy_tailed_wifi_delays_ten_minutes_of_two_hertz_exchanges_map_events_to_within_tens_of_microseconds()
    {
        var trace = new Trace(seed: 1, ppm: 20);
        var map = new ClockMap(1);
        foreach (var x in trace.Exchanges(600, 2))
        {
            map.Add(x);
        }

        var errors = Errors(map, trace, 600);
        Assert.True(P(errors, 0.99) < 60, $"p99 {P(errors, 0.99):0.0} µs, median {P(errors, 0.5):0.0} µs");

        // Stamping on arrival is off by the one-way delay, milliseconds: the fit is far better.
        Assert.True(P(errors, 0.5) < 20, $"median {P(errors, 0.5):0.0} µs");
    }

    [Fact]
    public void A_change_of_crystal_drift_midway_is_followed()
    {
        var trace = new Trace(seed: 2, ppm: 20, ppmAfterChange: 23, changeAtSeconds: 900);
        var map = new ClockMap(1);
        foreach (var x in trace.Exchanges(1800, 2))
        {
            map.Add(x);
        }

        var errors = Errors(map, trace, 1800);
        Assert.True(P(errors, 0.99) < 100, $"p99 {P(errors, 0.99):0.0} µs");
        Assert.InRange(map.FitAt(trace.Device(300e9))!.RateErrorPpm, -21, -19);
        Assert.InRange(map.FitAt(trace.Device(1500e9))!.RateErrorPpm, -24, -22);
    }

    [Fact]
    public void Host_time_maps_back_to_the_device_time_it_came_from()
    {
        var trace = new Trace(seed: 3, ppm: -15);
        var map = new ClockMap(1);
        foreach (var x in trace.Exchanges(300, 2))
        {
            map.Add(x);
        }

        for (double host = 10e9; host < 290e9; host += 37e9)
        {
            double device = map.ToDeviceMicros((long)host)!.Value;
            Assert.InRange(device - trace.Device(host), -100, 100);
        }
    }

    [Fact]
    public void The_uncertainty_grows_when_a_time_lies_beyond_the_exchanges()
    {
        var trace = new Trace(seed: 4, ppm: 5);
        var map = new ClockMap(1);
        foreach (var x in trace.Exchanges(120, 2))
        {
            map.Add(x);
        }

        double inside = map.ToHost((ulong)trace.Device(60e9))!.Value.UncertaintyMicros;
        double beyond = map.ToHost((ulong)trace.Device(3600e9))!.Value.UncertaintyMicros;
        Assert.True(inside > 0 && inside < 50, $"inside {inside}");
        Assert.True(beyond > 5 * inside, $"inside {inside}, an hour beyond {beyond}");
    }

    [Fact]
    public void Implausible_exchanges_are_counted_and_left_out()
    {
        var map = new ClockMap(1);
        map.Add(new SyncExchange(1000, 10, 5, 2000));        // device replied before it received
        map.Add(new SyncExchange(5000, 10, 10, 1000));       // reply arrived before the request left
        map.Add(new SyncExchange(0, 10, 1010, 500_000));     // device turnaround longer than the round trip
        Assert.Equal(3, map.Rejected);
        Assert.Equal(0, map.Count);
        Assert.Null(map.ToHost(100));
    }

    [Fact]
    public void Too_few_exchanges_give_no_map_rather_than_a_guess()
    {
        var trace = new Trace(seed: 5, ppm: 0);
        var map = new ClockMap(1);
        foreach (var x in trace.Exchanges(1.5, 2))
        {
            map.Add(x);
        }

        Assert.Null(map.ToHost(1000));
    }

    [Fact]
    public void A_host_that_slept_is_found_as_one_discontinuity_and_no_fit_crosses_it()
    {
        // The host's monotonic clock stops for 30 s of suspend at t = 300 s while the device counts on.
        const double sleepNanos = 30e9;
        var trace = new Trace(seed: 6, ppm: 10);
        var map = new ClockMap(1);
        foreach (var x in trace.Exchanges(600, 2))
        {
            // After the sleep the device reads 30 s more than it would have for the same host time.
            double deviceShift = x.HostSendNanos >= 300e9 ? sleepNanos / 1000 : 0;
            map.Add(new SyncExchange(x.HostSendNanos, (ulong)(x.DeviceReceiveMicros + deviceShift), (ulong)(x.DeviceReplyMicros + deviceShift), x.HostReceiveNanos));
        }

        var jump = Assert.Single(map.Discontinuities);
        Assert.InRange(jump.JumpNanos, -sleepNanos - 5e6, -sleepNanos + 5e6);

        // On each side, events map as well as without a sleep.
        for (double host = 20e9; host < 590e9; host += 13e9)
        {
            double device = trace.Device(host) + (host >= 300e9 ? sleepNanos / 1000 : 0);
            var mapped = map.ToHost((ulong)device)!.Value;
            Assert.True(Math.Abs(mapped.HostNanos - host) < 200e3, $"at {host / 1e9:0} s off by {(mapped.HostNanos - host) / 1e3:0} µs");
        }
    }

    [Fact]
    public void A_single_straggling_exchange_is_not_taken_for_a_discontinuity()
    {
        var trace = new Trace(seed: 7, ppm: 10);
        var map = new ClockMap(1);
        int i = 0;
        foreach (var x in trace.Exchanges(300, 2))
        {
            // One reply delayed by 800 ms on the way back: far, but alone.
            map.Add(i++ == 200 ? x with { HostReceiveNanos = x.HostReceiveNanos + 800_000_000 } : x);
        }

        Assert.Empty(map.Discontinuities);
    }
}
