using System.Collections.Generic;
using System.Linq;
using Rig.Recording.Calibration;

namespace Rig.Recording.Decoding;

/// <summary>Valve openings of one commanded duration, with their µL from the session's calibration curve.</summary>
/// <param name="MicrolitresEach">Null when the session has no curve for this valve.</param>
/// <param name="OutsideCalibratedRange">The duration lies outside the curve's measured range: its µL are extrapolated.</param>
public sealed record RewardDuration(int Valve, uint DurationMicros, long Count, double? MicrolitresEach, bool OutsideCalibratedRange);

/// <summary>Water delivered in a session: every valve opening (commanded pulse or armed reward), by duration.</summary>
/// <param name="TotalMicrolitres">Sum over openings with a curve; null when none had one.</param>
/// <param name="Doses">The µL → ms the session's task used per valve (session.json's `reward_doses`); null without a task dose.</param>
/// <param name="Uncalibrated">True when the task rewarded `--uncalibrated` (the protocol's valve_open_ms; µL unknown); null without a task dose.</param>
public sealed record RewardSummary(long Count, double? TotalMicrolitres, string? CalibrationSha256, IReadOnlyList<RewardDuration> ByDuration,
    IReadOnlyList<RewardDose>? Doses = null, bool? Uncalibrated = null);

/// <summary>
/// Turns valve-open events into µL with the curve recorded in the session header, so the live summary and a
/// re-decode of the journal compute the same numbers from the same inputs.
/// </summary>
public sealed class RewardVolumes
{
    private readonly CalibrationProvenance? _provenance;
    private readonly CalibrationFit? _fit;
    private readonly IReadOnlyList<RewardDose>? _doses;
    private readonly SortedDictionary<(int Valve, uint Duration), long> _counts = [];

    private RewardVolumes(CalibrationProvenance? provenance, IReadOnlyList<RewardDose>? doses)
    {
        _provenance = provenance;
        _fit = provenance?.ToFit();
        _doses = doses is { Count: > 0 } ? doses : null;
    }

    /// <param name="doses">The session header's `reward_doses`, reported as they are so summary.json says how rewards were dosed.</param>
    public static RewardVolumes For(CalibrationProvenance? provenance, IReadOnlyList<RewardDose>? doses = null) => new(provenance, doses);

    public void OnValveOpened(byte channel, long durationMicros)
    {
        var key = ((int)channel, (uint)durationMicros);
        _counts[key] = _counts.TryGetValue(key, out long n) ? n + 1 : 1;
    }

    public RewardSummary Summarize()
    {
        var rows = new List<RewardDuration>();
        long count = 0;
        double total = 0;
        bool any = false;
        foreach (var ((valve, duration), n) in _counts)
        {
            count += n;
            double? each = null;
            bool outside = false;
            if (_fit is not null && _provenance!.Valve == valve)
            {
                each = _fit.VolumeAt(duration, allowExtrapolation: true);
                outside = duration < _fit.MinDurationMicros || duration > _fit.MaxDurationMicros;
                total += each.Value * n;
                any = true;
            }

            rows.Add(new RewardDuration(valve, duration, n, each, outside));
        }

        bool? uncalibrated = _doses is null ? null : _doses.Any(d => !d.Calibrated);
        return new RewardSummary(count, any ? total : null, _provenance?.Sha256, rows, _doses, uncalibrated);
    }
}
