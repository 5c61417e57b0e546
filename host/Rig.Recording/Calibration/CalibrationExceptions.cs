using System;
using System.IO;

namespace Rig.Recording.Calibration;

/// <summary>A calibration input (a measured point, a set of points, a threshold) cannot be used; the message says which and why.</summary>
public sealed class CalibrationInputException : Exception
{
    public CalibrationInputException()
    {
    }

    public CalibrationInputException(string message)
        : base(message)
    {
    }

    public CalibrationInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A duration or volume lies outside the durations that were actually measured. Curves are only trusted where there is data;
/// callers that really want to extrapolate must say so.
/// </summary>
public sealed class OutsideCalibratedRangeException : Exception
{
    public OutsideCalibratedRangeException()
    {
    }

    public OutsideCalibratedRangeException(string message)
        : base(message)
    {
    }

    public OutsideCalibratedRangeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    private OutsideCalibratedRangeException(string message, uint minDurationMicros, uint maxDurationMicros, double minMicrolitres, double maxMicrolitres)
        : base(message)
    {
        MinDurationMicros = minDurationMicros;
        MaxDurationMicros = maxDurationMicros;
        MinMicrolitres = minMicrolitres;
        MaxMicrolitres = maxMicrolitres;
    }

    public uint MinDurationMicros { get; }

    public uint MaxDurationMicros { get; }

    public double MinMicrolitres { get; }

    public double MaxMicrolitres { get; }

    internal static OutsideCalibratedRangeException For(string what, uint minUs, uint maxUs, double minUl, double maxUl) =>
        new(
            FormattableString.Invariant(
                $"{what} is outside the calibrated range {minUs}–{maxUs} µs ({minUl:0.###}–{maxUl:0.###} µL per pulse); calibrate over a wider range or force extrapolation."),
            minUs,
            maxUs,
            minUl,
            maxUl);
}

/// <summary>A calibration file cannot be read or does not hold a valid calibration history. The file is left as it is.</summary>
public sealed class CalibrationFileException : IOException
{
    public CalibrationFileException()
    {
    }

    public CalibrationFileException(string message)
        : base(message)
    {
    }

    public CalibrationFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    private CalibrationFileException(string message, string path, string problem, Exception? innerException)
        : base(message, innerException)
    {
        Path = path;
        Problem = problem;
    }

    public string? Path { get; }

    /// <summary>What is wrong with the file, without the path.</summary>
    public string? Problem { get; }

    internal static CalibrationFileException For(string path, string problem, Exception? innerException = null) =>
        new($"Calibration file '{path}' cannot be used: {problem} The file was left unchanged.", path, problem, innerException);
}
