using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using Rig.Recording.Calibration;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Calibration;

public sealed class CalibrationStoreTests
{
    private static readonly DateTimeOffset Monday = new(2026, 11, 2, 9, 30, 0, TimeSpan.Zero);

    internal static CalibrationRecord Calibration(DateTimeOffset date, Func<double, double> curve, int seed = 1, string rig = "rig-a", int valve = 0)
    {
        List<CalibrationPoint> points = Synthetic.Points(curve, relativeNoise: 0.01, seed: seed);
        return new CalibrationRecord(date, CalibrationKinds.Calibration, points, CurveFitter.Fit(points), "ana", "new valve, µ-tubing", "1.4.0", valve, rig);
    }

    [Fact]
    public void A_valve_without_a_file_has_an_empty_history_and_no_hash()
    {
        using var dir = new TempDirectory();
        var store = new CalibrationStore(dir.Path);

        CalibrationHistory history = store.Load("rig-a", 0);

        Assert.Empty(history.Records);
        Assert.Null(history.Current);
        Assert.Null(history.FileSha256);
        Assert.Equal(store.PathFor("rig-a", 0), history.Path);
        Assert.False(File.Exists(store.PathFor("rig-a", 0)));
    }

    [Fact]
    public void The_file_is_named_for_the_rig_and_the_valve()
    {
        var store = new CalibrationStore("/data/cal");

        Assert.Equal(Path.Combine("/data/cal", "rig-a-valve2.calibration.json"), store.PathFor("rig-a", 2));
        Assert.Throws<CalibrationInputException>(() => store.PathFor("../etc", 0));
        Assert.Throws<CalibrationInputException>(() => store.PathFor("rig-a", -1));
    }

    [Fact]
    public void A_record_round_trips_with_points_fit_and_provenance()
    {
        using var dir = new TempDirectory();
        var store = new CalibrationStore(dir.Path);
        CalibrationRecord written = Calibration(Monday, Synthetic.Quadratic);

        store.Append(written);
        CalibrationHistory history = store.Load("rig-a", 0);

        CalibrationRecord read = Assert.Single(history.Records);
        AssertSame(written, read);
        Assert.Same(read, history.Current);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(history.Path!))), history.FileSha256);
        Assert.Equal(written.Fit!.VolumeAt(33_333), read.Fit!.VolumeAt(33_333), 12);
    }

    [Fact]
    public void Append_keeps_earlier_records_exactly_and_the_latest_calibration_becomes_current()
    {
        using var dir = new TempDirectory();
        var store = new CalibrationStore(dir.Path);
        CalibrationRecord first = Calibration(Monday, Synthetic.Linear);
        CalibrationRecord second = Calibration(Monday.AddDays(7), Synthetic.Quadratic, seed: 2);
        var verification = new CalibrationRecord(Monday.AddDays(8), CalibrationKinds.Verification, [CalibrationPoint.Create(30_000, 200, 1.0)], null, null, null, "1.4.0", 0, "rig-a");

        store.Append(first);
        string afterFirst = File.ReadAllText(store.PathFor("rig-a", 0));
        store.Append(second);
        CalibrationHistory history = store.Append(verification);

        Assert.Equal(3, history.Records.Count);
        AssertSame(first, history.Records[0]);
        AssertSame(second, history.Records[1]);
        AssertSame(verification, history.Records[2]);
        Assert.Same(history.Records[1], history.Current);

        using JsonDocument before = JsonDocument.Parse(afterFirst);
        using JsonDocument after = JsonDocument.Parse(File.ReadAllText(history.Path!));
        Assert.Equal(
            before.RootElement.GetProperty("records")[0].GetRawText(),
            after.RootElement.GetProperty("records")[0].GetRawText());
    }

    [Fact]
    public void Append_carries_over_fields_it_does_not_know()
    {
        using var dir = new TempDirectory();
        var store = new CalibrationStore(dir.Path);
        store.Append(Calibration(Monday, Synthetic.Linear));
        string path = store.PathFor("rig-a", 0);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"kind\": \"calibration\",", "\"kind\": \"calibration\",\n      \"scale\": \"XS205\",", StringComparison.Ordinal));

        store.Append(Calibration(Monday.AddDays(1), Synthetic.Linear, seed: 2));

        Assert.Contains("\"scale\": \"XS205\"", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void The_file_is_indented_snake_case_json_with_units_in_the_names()
    {
        using var dir = new TempDirectory();
        var store = new CalibrationStore(dir.Path);

        store.Append(Calibration(Monday, Synthetic.Power));
        string text = File.ReadAllText(store.PathFor("rig-a", 0));

        Assert.StartsWith("{\n  \"format\": \"rig-valve-calibration\",\n  \"format_version\": 1,", text, StringComparison.Ordinal);
        foreach (string name in new[] { "\"rig_id\"", "\"duration_us\"", "\"mass_g\"", "\"ul_per_pulse\"", "\"min_duration_us\"", "\"cv_rms_ul\"", "\"residuals_ul\"", "\"firmware_version\"" })
        {
            Assert.Contains(name, text, StringComparison.Ordinal);
        }

        Assert.Contains("\"model\": \"power_law\"", text, StringComparison.Ordinal);
        Assert.Contains("µ-tubing", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"duration_us\": \"", text, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp", SearchOption.AllDirectories).Concat(Directory.GetFiles(dir.Path, ".*")));
    }

    [Theory]
    [InlineData("{ \"format\": \"rig-valve-calibration\", \"format_version\": 1, \"rig_id\": \"rig-a\", \"valve\": 0, \"records\": [ { \"date\": ", "not valid JSON")]
    [InlineData("", "empty")]
    [InlineData("[]", "not a JSON object")]
    [InlineData("{ \"format\": \"rig-valve-calibration\", \"format_version\": 9, \"rig_id\": \"rig-a\", \"valve\": 0, \"records\": [] }", "format_version 9")]
    [InlineData("{ \"format\": \"rig-valve-calibration\", \"format_version\": 1, \"rig_id\": \"rig-b\", \"valve\": 0, \"records\": [] }", "rig \"rig-b\"")]
    [InlineData("{ \"format\": \"rig-valve-calibration\", \"format_version\": 1, \"rig_id\": \"rig-a\", \"valve\": 0, \"records\": [ { \"date\": \"2026-11-02T09:30:00+00:00\", \"kind\": \"calibration\", \"points\": [ { \"duration_us\": 10000, \"pulses\": 100, \"mass_g\": -0.2, \"density_g_per_ml\": 0.998 } ] } ] }", "$.records[0].points[0]: The collected mass must be more than 0 g")]
    [InlineData("{ \"format\": \"rig-valve-calibration\", \"format_version\": 1, \"rig_id\": \"rig-a\", \"valve\": 0, \"records\": [ { \"date\": \"2026-11-02T09:30:00+00:00\", \"kind\": \"calibration\", \"points\": [ { \"duration_us\": \"10000\", \"pulses\": 100, \"mass_g\": 0.2, \"density_g_per_ml\": 0.998 } ] } ] }", "$.records[0].points[0].duration_us should be a number but is a string")]
    public void A_corrupt_file_gives_a_CalibrationFileException_naming_the_file_and_the_problem_and_is_left_unchanged(string content, string problem)
    {
        using var dir = new TempDirectory();
        var store = new CalibrationStore(dir.Path);
        string path = store.PathFor("rig-a", 0);
        File.WriteAllText(path, content);
        byte[] original = File.ReadAllBytes(path);

        var loadError = Assert.Throws<CalibrationFileException>(() => store.Load("rig-a", 0));
        var appendError = Assert.Throws<CalibrationFileException>(() => store.Append(Calibration(Monday, Synthetic.Linear)));

        Assert.Contains(path, loadError.Message, StringComparison.Ordinal);
        Assert.Contains(problem, loadError.Message, StringComparison.Ordinal);
        Assert.Equal(path, appendError.Path);
        Assert.Equal(original, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_failed_write_reports_the_file_and_leaves_no_temporary_file_behind()
    {
        using var dir = new TempDirectory();
        var store = new CalibrationStore(dir.Path);

        // A folder where the file should be makes the final rename fail after the temporary file was written.
        Directory.CreateDirectory(store.PathFor("rig-a", 0));

        var error = Assert.Throws<CalibrationFileException>(() => store.Append(Calibration(Monday, Synthetic.Linear)));

        Assert.Contains("writing it failed", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void An_invalid_record_is_refused_and_nothing_is_written()
    {
        using var dir = new TempDirectory();
        var store = new CalibrationStore(dir.Path);
        CalibrationRecord bad = Calibration(Monday, Synthetic.Linear) with { Kind = "guess" };

        Assert.Throws<CalibrationInputException>(() => store.Append(bad));

        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    private static void AssertSame(CalibrationRecord expected, CalibrationRecord actual)
    {
        Assert.Equal(expected.Date, actual.Date);
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.Operator, actual.Operator);
        Assert.Equal(expected.Note, actual.Note);
        Assert.Equal(expected.FirmwareVersion, actual.FirmwareVersion);
        Assert.Equal(expected.RigId, actual.RigId);
        Assert.Equal(expected.Valve, actual.Valve);
        Assert.Equal(expected.Points, actual.Points);
        if (expected.Fit is null)
        {
            Assert.Null(actual.Fit);
            return;
        }

        CalibrationFit e = expected.Fit;
        CalibrationFit a = actual.Fit!;
        Assert.Equal(e.Model, a.Model);
        Assert.Equal(e.Parameters, a.Parameters);
        Assert.Equal(e.RSquared, a.RSquared);
        Assert.Equal(e.CrossValidatedRmsMicrolitres, a.CrossValidatedRmsMicrolitres);
        Assert.Equal(e.CrossValidatedRmsFraction, a.CrossValidatedRmsFraction);
        Assert.Equal(e.ResidualsMicrolitres, a.ResidualsMicrolitres);
        Assert.Equal(e.MinDurationMicros, a.MinDurationMicros);
        Assert.Equal(e.MaxDurationMicros, a.MaxDurationMicros);
    }
}
