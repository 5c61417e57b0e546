using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Recording.Bridge;
using Rig.Provisioning.Calibration.Run;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.CalibrationRun;

public sealed class CalibrationJobRunnerTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(null, false, "--broker is required (or --virtual for the simulated rig)")]
    [InlineData("mqtt://127.0.0.1:1", true, "--virtual needs the virtual rig")]
    public async Task A_run_without_a_broker_or_without_a_virtual_rig_is_refused_before_anything_is_touched(string? broker, bool isVirtual, string message)
    {
        var runner = Runner(Job() with { Broker = broker, Virtual = isVirtual });

        var e = await Assert.ThrowsAsync<CalibrationRunInputException>(() => runner.CalibrateAsync(new NoProgress(), TestContext.Current.CancellationToken));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.Combine("sessions")));
        Assert.False(Directory.Exists(_dir.Combine("store")));
    }

    [Fact]
    public async Task A_bad_scale_framing_is_refused_before_the_broker_is_contacted()
    {
        var runner = Runner(Job() with { ScalePort = "/dev/ttyUSB9", ScaleSettings = new SerialScaleSettings { FramingText = "8Q1" } });

        var e = await Assert.ThrowsAsync<ScaleException>(() => runner.CalibrateAsync(new NoProgress(), TestContext.Current.CancellationToken));

        Assert.Contains("--scale-framing '8Q1'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_verification_with_a_tolerance_of_zero_is_refused_naming_it()
    {
        var runner = Runner(Job() with { Tolerance = 0, Volume = 5 });

        var e = await Assert.ThrowsAsync<CalibrationRunInputException>(() => runner.VerifyAsync(new NoProgress(), TestContext.Current.CancellationToken));

        Assert.Contains("--tolerance must be a fraction above 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_progress_line_names_the_duration_the_pulse_and_the_time_left()
    {
        string line = CalibrationJobRunner.Describe(new CalibrationProgress(1, 5, 40_000, 17, 100, TimeSpan.FromSeconds(151)));

        Assert.Equal("[rig calibrate] 40 ms (2/5): pulse 17/100 | 2:31 remaining", line);
    }

    private CalibrationJob Job() => new()
    {
        RigId = "r1",
        Broker = "mqtt://127.0.0.1:1",
        Store = _dir.Combine("store"),
        SessionOut = _dir.Combine("sessions", "s1"),
        Durations = "20,40,80",
        Software = "rig test",
    };

    private static CalibrationJobRunner Runner(CalibrationJob job) =>
        new(job, new BridgeOptions(), NullLogger.Instance, TimeProvider.System, new StringReader(""), new StringWriter());

    private sealed class NoProgress : ICalibrationRunProgress
    {
        public void Report(CalibrationProgress value)
        {
        }

        public void RunEnded()
        {
        }
    }
}
