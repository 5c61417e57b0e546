using System;
using System.Collections.Generic;
using System.Globalization;

namespace Rig.Experiment.Alignment;

/// <summary>
/// The imaging frame rate: the rig's setting (session.json, `--frame-rate-hz`) against what the frame clock showed.
/// The analysis turns frame windows into seconds with the rate, so a session whose scanner ran at another rate than the
/// one set must say so (../shared/PARADIGMS.md: "the frame rate is the rig's setting, never a constant").
/// </summary>
/// <param name="SettingHz">The rig's setting, or null when none was given.</param>
/// <param name="MeasuredHz">1 / the median period between consecutive frame-clock rising edges (device µs), or null with fewer than two frames.</param>
public sealed record FrameRate(double? SettingHz, double? MeasuredHz)
{
    /// <summary>How far the measured rate may be from the setting and still agree, as a fraction of the setting. Our choice:
    /// a scanner's rate is set by its line count and zoom, so a wrong setting is off by far more (3 against 30 Hz), while a
    /// crystal's error (≤ 100 ppm) and edge jitter (µs against 33-333 ms periods) are far less.</summary>
    public const double ToleranceFraction = 0.02;

    /// <summary>True when both are known and within <see cref="ToleranceFraction"/>; false when they differ; null when either is unknown.</summary>
    public bool? Agrees => SettingHz is { } s && MeasuredHz is { } m ? Math.Abs(m - s) <= ToleranceFraction * s : null;

    /// <summary>The rate the session's frame windows should be read with: the setting, else the measured one.</summary>
    public double? Hz => SettingHz ?? MeasuredHz;

    /// <summary>Measures the rate from <paramref name="frames"/>: periods between consecutive frame numbers of one boot and acquisition.</summary>
    public static FrameRate Of(double? settingHz, IReadOnlyList<FrameRow> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var periods = new List<double>();
        for (int i = 1; i < frames.Count; i++)
        {
            var (a, b) = (frames[i - 1], frames[i]);
            if (a.BootId == b.BootId && a.Acquisition == b.Acquisition && b.Frame == a.Frame + 1 && b.DeviceMicros > a.DeviceMicros)
            {
                periods.Add(b.DeviceMicros - a.DeviceMicros);
            }
        }

        if (periods.Count == 0)
        {
            return new FrameRate(settingHz, null);
        }

        periods.Sort();
        double median = periods.Count % 2 == 1 ? periods[periods.Count / 2] : (periods[(periods.Count / 2) - 1] + periods[periods.Count / 2]) / 2;
        return new FrameRate(settingHz, 1e6 / median);
    }

    public string Describe()
    {
        var c = CultureInfo.InvariantCulture;
        string measured = MeasuredHz is { } m ? m.ToString("0.###", c) + " Hz from the frame clock" : "no frame clock recorded";
        return (SettingHz, Agrees) switch
        {
            (null, _) => $"{measured} (no --frame-rate-hz setting)",
            (_, false) => $"DIFFERS: setting {SettingHz.Value.ToString("0.###", c)} Hz, but {measured}: check the scanner or the rig's --frame-rate-hz",
            _ => $"{SettingHz.Value.ToString("0.###", c)} Hz setting, {measured}",
        };
    }
}
