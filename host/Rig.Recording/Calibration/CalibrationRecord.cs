using System;
using System.Collections.Generic;

namespace Rig.Recording.Calibration;

/// <summary>
/// One entry in a valve's calibration history: a full calibration (with its fitted curve) or a verification (usually a single
/// point and no fit). <see cref="Kind"/> is <see cref="CalibrationKinds.Calibration"/> or <see cref="CalibrationKinds.Verification"/>.
/// </summary>
public sealed record CalibrationRecord(
    DateTimeOffset Date,
    string Kind,
    IReadOnlyList<CalibrationPoint> Points,
    CalibrationFit? Fit,
    string? Operator,
    string? Note,
    string? FirmwareVersion,
    int Valve,
    string RigId);

/// <summary>The values of <see cref="CalibrationRecord.Kind"/>.</summary>
public static class CalibrationKinds
{
    public const string Calibration = "calibration";

    public const string Verification = "verification";
}
