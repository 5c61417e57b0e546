using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;

namespace Rig.Host.Calibration.Run;

/// <summary>
/// The calibration a session used, as recorded in its session.json: which file (and its SHA-256, so a later edit is
/// detectable), which record, and the curve itself, so the session's µL can be recomputed from the session folder alone.
/// </summary>
public sealed record CalibrationProvenance(
    string File,
    string Sha256,
    DateTimeOffset Date,
    int Valve,
    string Model,
    IReadOnlyList<double> Parameters,
    uint MinDurationMicros,
    uint MaxDurationMicros,
    double RSquared)
{
    /// <summary>The current curve of <paramref name="history"/>; null when the valve has none.</summary>
    public static CalibrationProvenance? From(CalibrationHistory history, int valve)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Current is not { Fit: { } fit } current || history.Path is null || history.FileSha256 is null)
        {
            return null;
        }

        return new CalibrationProvenance(Path.GetFullPath(history.Path), history.FileSha256, current.Date, valve, fit.Model.ToString(),
            fit.Parameters, fit.MinDurationMicros, fit.MaxDurationMicros, fit.RSquared);
    }

    /// <summary>The curve, for µL of rewards.</summary>
    public CalibrationFit ToFit()
    {
        if (!Enum.TryParse<CurveModel>(Model, out var model))
        {
            throw new CalibrationInputException($"session.json names an unknown calibration model '{Model}'");
        }

        return new CalibrationFit(model, Parameters, RSquared, 0, [], MinDurationMicros, MaxDurationMicros);
    }

    /// <summary>
    /// Loads the calibration file named by `--calibration FILE` (rig and valve come from its name,
    /// &lt;rig&gt;-valve&lt;N&gt;.calibration.json); throws <see cref="CalibrationFileException"/> or <see cref="CalibrationInputException"/>.
    /// </summary>
    public static CalibrationHistory LoadFile(string file, out int valve)
    {
        ArgumentNullException.ThrowIfNull(file);
        var match = Regex.Match(Path.GetFileName(file), @"^(?<rig>.+)-valve(?<valve>\d{1,3})\.calibration\.json$", RegexOptions.None, TimeSpan.FromSeconds(1));
        if (!match.Success)
        {
            throw new CalibrationInputException($"'{file}' is not named like a calibration file (<rig>-valve<N>.calibration.json, as `rig calibrate` writes it)");
        }

        if (!System.IO.File.Exists(file))
        {
            throw new CalibrationInputException($"calibration file '{file}' does not exist");
        }

        valve = int.Parse(match.Groups["valve"].Value, System.Globalization.CultureInfo.InvariantCulture);
        string directory = Path.GetDirectoryName(Path.GetFullPath(file))!;
        return new CalibrationStore(directory).Load(match.Groups["rig"].Value, valve);
    }
}
