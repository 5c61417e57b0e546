using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace Rig.Recording.Calibration;

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
    /// <summary>
    /// Set when the curve was not weighed but fitted to a simulated valve's flow model (`rig demo` on a fresh machine): the
    /// model and its parameters. <see cref="File"/> then names no file and <see cref="Sha256"/> is the hash of this text.
    /// Null for a calibration file.
    /// </summary>
    public string? SimulatedValve { get; init; }

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

    /// <summary>
    /// The calibration a session records: the file given, else the rig's valve 0 file in ./calibrations when there is one.
    /// A given file that cannot be used is an error; an implicit one only a warning. An old curve is warned about.
    /// Messages and warnings go to <paramref name="log"/>, each starting "rig <paramref name="command"/>:".
    /// </summary>
    public static async Task<CalibrationProvenance?> ResolveAsync(string? file, string rigId, string command, TextWriter log, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(time);
        CalibrationHistory history;
        int valve = 0;
        if (file is not null)
        {
            history = LoadFile(file, out valve);
        }
        else
        {
            var store = new CalibrationStore(CalibrationStore.DefaultFolder);
            if (!Rig.Protocol.RigId.IsValid(rigId) || !System.IO.File.Exists(store.PathFor(rigId, 0)))
            {
                return null;
            }

            try
            {
                history = store.Load(rigId, 0);
            }
            catch (CalibrationFileException e)
            {
                await log.WriteLineAsync($"rig {command}: warning: not using the calibration: {e.Message}");
                return null;
            }
        }

        var provenance = From(history, valve);
        if (provenance is null)
        {
            if (file is not null)
            {
                throw new CalibrationInputException($"'{file}' holds no fitted calibration curve");
            }

            return null;
        }

        var age = DriftCheck.CheckAge(history, time.GetUtcNow(), DriftCheck.DefaultMaxAge);
        if (age.Warn)
        {
            await log.WriteLineAsync($"rig {command}: warning: {age.Message}");
        }

        await log.WriteLineAsync($"rig {command}: rewards in µL by the calibration of {provenance.Date:yyyy-MM-dd} in {provenance.File}");
        return provenance;
    }
}
