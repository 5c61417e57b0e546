using System;
using System.Collections.Generic;
using System.Linq;

namespace Rig.Recording.Calibration;

/// <summary>A valve's calibration records, oldest first, as read from its file.</summary>
public sealed class CalibrationHistory
{
    public CalibrationHistory(IReadOnlyList<CalibrationRecord> records, string? fileSha256 = null, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        Records = records;
        FileSha256 = fileSha256;
        Path = path;
    }

    /// <summary>A valve that was never calibrated.</summary>
    public static CalibrationHistory Empty { get; } = new([]);

    public IReadOnlyList<CalibrationRecord> Records { get; }

    /// <summary>The curve in use: the latest calibration that has a fit. Verifications never replace it.</summary>
    public CalibrationRecord? Current => Records.LastOrDefault(r => r.Kind == CalibrationKinds.Calibration && r.Fit is not null);

    /// <summary>Lower-case hex SHA-256 of the file's bytes as loaded, for provenance; null when there was no file.</summary>
    public string? FileSha256 { get; }

    /// <summary>The file the history was read from, or where it will be written when there is no file yet.</summary>
    public string? Path { get; }
}
