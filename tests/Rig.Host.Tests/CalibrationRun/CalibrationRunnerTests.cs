using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Bridge;
using Rig.Provisioning.Calibration.Run;
using Rig.Protocol;
using Xunit;

namespace Rig.Host.Tests.CalibrationRun;

public sealed class CalibrationRunnerTests
{
    private static readonly CalibrationRunOptions Options = new() { PulsesPerDuration = 4 };

    [Fact]
    public async Task Every_pulse_is_a_PulseValve_command_with_the_duration_and_the_water_of_each_duration_is_weighed_once()
    {
        var device = new FakeDevice();
        var scale = new FixedScale(0.4);
        var run = await new CalibrationRunner(device.SendAsync, scale, new NoWait(), Options).RunAsync([20_000, 40_000], null, TestContext.Current.CancellationToken);
        Assert.True(run.Completed);
        Assert.Equal(8, device.Sent.Count);
        Assert.All(device.Sent, c => Assert.Equal(CommandOpcode.PulseValve, c.Opcode));
        Assert.Equal([20_000u, 20_000, 20_000, 20_000, 40_000, 40_000, 40_000, 40_000], device.Sent.ConvertAll(c => c.DurationMicros));
        Assert.Equal(2, scale.Reads);
        Assert.Equal(0.4 * 1000 / 0.998 / 4, run.Points[0].MicrolitresPerPulse, 9);
    }

    [Fact]
    public async Task A_device_that_stops_acknowledging_stops_the_run_at_once_and_keeps_the_completed_durations()
    {
        var device = new FakeDevice { TimeoutAfter = 6 };
        var run = await new CalibrationRunner(device.SendAsync, new FixedScale(0.4), new NoWait(), Options).RunAsync([20_000, 40_000, 60_000], null, TestContext.Current.CancellationToken);
        Assert.Equal(CalibrationStop.DeviceLost, run.Stop);
        Assert.Single(run.Points);
        Assert.Equal(7, device.Sent.Count);
        Assert.Equal(7, run.PulsesSent);
        Assert.Contains("no further pulse was sent", run.StopMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_out_of_range_acknowledgement_is_a_hard_stop()
    {
        var device = new FakeDevice { RefuseFrom = 2, Refusal = AckResult.OutOfRange };
        var run = await new CalibrationRunner(device.SendAsync, new FixedScale(0.4), new NoWait(), Options).RunAsync([20_000, 40_000], null, TestContext.Current.CancellationToken);
        Assert.Equal(CalibrationStop.Refused, run.Stop);
        Assert.Equal(3, device.Sent.Count);
        Assert.Empty(run.Points);
        Assert.Contains("out of range", run.StopMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_water_budget_refusal_is_a_hard_stop_that_says_how_long_until_the_pulse_would_fit()
    {
        var device = new FakeDevice { RefuseFrom = 2, Refusal = AckResult.WaterBudget, RefusalDetail = 40_000 };
        var run = await new CalibrationRunner(device.SendAsync, new FixedScale(0.4), new NoWait(), Options).RunAsync([20_000, 40_000], null, TestContext.Current.CancellationToken);
        Assert.Equal(CalibrationStop.Refused, run.Stop);
        Assert.Equal(3, device.Sent.Count);
        Assert.Contains("water budget refused pulse 3 of 20 ms (it would fit in 40 ms)", run.StopMessage, StringComparison.Ordinal);
        Assert.Contains("--interval-ms", run.StopMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_stops_the_run_without_another_pulse_and_keeps_the_completed_durations()
    {
        using var cts = new CancellationTokenSource();
        var device = new FakeDevice { OnSend = n => { if (n == 6) { cts.Cancel(); } } };
        var run = await new CalibrationRunner(device.SendAsync, new FixedScale(0.4), new NoWait(), Options).RunAsync([20_000, 40_000], null, cts.Token);
        Assert.Equal(CalibrationStop.Cancelled, run.Stop);
        Assert.Single(run.Points);
        Assert.Equal(6, device.Sent.Count);
    }

    [Fact]
    public async Task A_duration_above_the_hard_maximum_zero_pulses_or_too_short_an_interval_is_refused_before_any_pulse()
    {
        var device = new FakeDevice();
        var runner = new CalibrationRunner(device.SendAsync, new FixedScale(0.4), new NoWait(), Options);
        var ct = TestContext.Current.CancellationToken;
        var above = await Assert.ThrowsAsync<CalibrationRunInputException>(() => runner.RunAsync([20_000, 500_001], null, ct));
        Assert.Contains("hard maximum of 500 ms", above.Message, StringComparison.Ordinal);
        var zero = await Assert.ThrowsAsync<CalibrationRunInputException>(() =>
            new CalibrationRunner(device.SendAsync, new FixedScale(0.4), new NoWait(), Options with { PulsesPerDuration = 0 }).RunAsync([20_000], null, ct));
        Assert.Contains("at least 1", zero.Message, StringComparison.Ordinal);
        var fast = await Assert.ThrowsAsync<CalibrationRunInputException>(() =>
            new CalibrationRunner(device.SendAsync, new FixedScale(0.4), new NoWait(), Options with { Interval = TimeSpan.FromMilliseconds(150) }).RunAsync([80_000], null, ct));
        Assert.Contains("needs at least 100 ms", fast.Message, StringComparison.Ordinal);
        Assert.Empty(device.Sent);
    }

    [Fact]
    public async Task The_interval_is_waited_after_every_pulse_from_its_acknowledged_device_time()
    {
        var device = new FakeDevice();
        var wait = new RecordingWait();
        await new CalibrationRunner(device.SendAsync, new FixedScale(0.4), wait, Options).RunAsync([20_000], null, TestContext.Current.CancellationToken);
        Assert.Equal([1000UL, 2000, 3000, 4000], wait.From);
    }

    [Fact]
    public void Durations_come_from_the_curve_for_the_volume_range_or_the_default_spread_without_one()
    {
        Assert.Equal(DurationPlanner.DefaultMicros, DurationPlanner.Propose(null));
        var fromCurve = DurationPlanner.Propose(v => v * 10_000, 2, 10, 5);
        Assert.Equal([20_000u, 40_000, 60_000, 80_000, 100_000], fromCurve);
        Assert.Equal([20_000u, 40_000, 80_500], DurationPlanner.ParseMilliseconds("20, 40,80.5"));
        Assert.Throws<CalibrationRunInputException>(() => DurationPlanner.ParseMilliseconds("20,x"));
        Assert.Throws<CalibrationRunInputException>(() => DurationPlanner.ParseMilliseconds("-5"));
    }

    private sealed class FakeDevice
    {
        public List<Command> Sent { get; } = [];

        public int TimeoutAfter { get; init; } = int.MaxValue;

        public int RefuseFrom { get; init; } = int.MaxValue;

        public AckResult Refusal { get; init; } = AckResult.Busy;

        /// <summary>The refusal's detail (the hard maximum for OutOfRange, the wait for WaterBudget), µs.</summary>
        public uint RefusalDetail { get; init; } = 500_000;

        public Action<int>? OnSend { get; init; }

        public Task<Ack> SendAsync(Command command, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Sent.Add(command);
            OnSend?.Invoke(Sent.Count);
            if (Sent.Count > TimeoutAfter)
            {
                throw new CommandTimeoutException("PulseValve", 1, TimeSpan.FromSeconds(2));
            }

            var result = Sent.Count > RefuseFrom ? Refusal : AckResult.Ok;
            return Task.FromResult(new Ack { Result = result, Opcode = command.Opcode, DeviceMicros = (ulong)Sent.Count * 1000, Detail = RefusalDetail });
        }
    }

    private sealed class FixedScale(double grams) : IScale
    {
        public int Reads { get; private set; }

        public string Description => "fixed";

        public Task<double> ReadGramsAsync(ScaleRequest request, CancellationToken cancellationToken)
        {
            Reads++;
            return Task.FromResult(grams);
        }
    }

    private sealed class NoWait : IIntervalWait
    {
        public Task WaitAsync(ulong fromDeviceMicros, TimeSpan interval, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.CompletedTask;
        }
    }

    private sealed class RecordingWait : IIntervalWait
    {
        public List<ulong> From { get; } = [];

        public Task WaitAsync(ulong fromDeviceMicros, TimeSpan interval, CancellationToken cancellationToken)
        {
            From.Add(fromDeviceMicros);
            return Task.CompletedTask;
        }
    }
}
