using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Rig.Recording.Calibration;

/// <summary>
/// One JSON file per rig and valve holding the valve's whole calibration history. Appends are atomic (temporary file in the same
/// folder, flushed, then renamed over the old one), earlier records are carried over untouched, and a file that cannot be read is
/// reported and never rewritten. Concurrent appends to the same valve from two processes are not coordinated: the last one wins.
/// </summary>
public sealed class CalibrationStore
{
    /// <summary>Where calibrations are kept when no folder is given (relative to the working directory).</summary>
    public const string DefaultFolder = "calibrations";

    public CalibrationStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = directory;
    }

    public string Directory { get; }

    /// <exception cref="CalibrationInputException">The rig id cannot be part of a file name, or the valve number is negative.</exception>
    public string PathFor(string rigId, int valve)
    {
        ValidateIdentity(rigId, valve);
        return System.IO.Path.Combine(Directory, $"{rigId}-valve{valve}.calibration.json");
    }

    /// <summary>The valve's history; empty (with <see cref="CalibrationHistory.FileSha256"/> null) when there is no file yet.</summary>
    /// <exception cref="CalibrationFileException">The file exists but cannot be read or is not a valid calibration file.</exception>
    public CalibrationHistory Load(string rigId, int valve)
    {
        string path = PathFor(rigId, valve);
        return Read(path, rigId, valve, out _) ?? new CalibrationHistory([], null, path);
    }

    /// <summary>Adds <paramref name="record"/> after the existing ones and returns the history as now on disk.</summary>
    /// <exception cref="CalibrationInputException">The record is invalid (nothing is written).</exception>
    /// <exception cref="CalibrationFileException">The existing file is unusable (it is left as it is), or writing failed.</exception>
    public CalibrationHistory Append(CalibrationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Validate(record);
        string path = PathFor(record.RigId, record.Valve);
        _ = Read(path, record.RigId, record.Valve, out byte[]? existing);

        // Appending to the parsed tree rather than re-serialising records keeps earlier records exactly as written, including
        // any fields a later version of Rig added.
        JsonObject root = existing is null ? CalibrationJson.NewFile(record.RigId, record.Valve) : JsonNode.Parse(existing)!.AsObject();
        root["records"]!.AsArray().Add(CalibrationJson.ToNode(record));
        byte[] bytes = Encoding.UTF8.GetBytes(root.ToJsonString(CalibrationJson.WriteOptions) + "\n");

        WriteAtomically(path, bytes);
        return Load(record.RigId, record.Valve);
    }

    private static CalibrationHistory? Read(string path, string rigId, int valve, out byte[]? bytes)
    {
        bytes = null;
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CalibrationFileException.For(path, $"it cannot be read ({e.Message}).", e);
        }

        if (bytes.Length == 0)
        {
            throw CalibrationFileException.For(path, "it is empty.");
        }

        List<CalibrationRecord> records;
        try
        {
            using JsonDocument document = JsonDocument.Parse(bytes);
            records = CalibrationJson.Parse(document.RootElement, rigId, valve);
        }
        catch (JsonException e)
        {
            throw CalibrationFileException.For(path, $"it is not valid JSON ({e.Message}).", e);
        }
        catch (CalibrationJson.FileProblem e)
        {
            throw CalibrationFileException.For(path, e.Message + ".", e);
        }

        return new CalibrationHistory(records, Convert.ToHexStringLower(SHA256.HashData(bytes)), path);
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        string directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        string temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            System.IO.Directory.CreateDirectory(directory);
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);

                // The rename must not reach the disk before the data does, or a power cut leaves an empty "new" file.
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw CalibrationFileException.For(path, $"writing it failed ({e.Message}).", e);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original error is the one worth reporting; a stray hidden .tmp file is harmless.
        }
    }

    private static void ValidateIdentity(string rigId, int valve)
    {
        if (string.IsNullOrEmpty(rigId) || rigId[0] == '.' || !rigId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new CalibrationInputException($"The rig id \"{rigId}\" cannot name a calibration file; use letters, digits, '-', '_' and '.', not starting with '.'.");
        }

        if (valve < 0)
        {
            throw new CalibrationInputException($"The valve number must be 0 or more, not {valve}.");
        }
    }

    private static void Validate(CalibrationRecord record)
    {
        if (record.Kind is not (CalibrationKinds.Calibration or CalibrationKinds.Verification))
        {
            throw new CalibrationInputException($"A calibration record's kind must be \"calibration\" or \"verification\", not \"{record.Kind}\".");
        }

        if (record.Points is null)
        {
            throw new CalibrationInputException("A calibration record needs its list of points (it may be empty).");
        }

        foreach (CalibrationPoint point in record.Points)
        {
            CalibrationPoint.Validate(point);
        }

        if (record.Fit is CalibrationFit fit
            && (fit.Parameters.Count != CalibrationFit.ParameterCount(fit.Model) || fit.MinDurationMicros == 0 || fit.MinDurationMicros > fit.MaxDurationMicros))
        {
            throw new CalibrationInputException($"The record's {fit.Model} fit is malformed (parameter count or range {fit.MinDurationMicros}–{fit.MaxDurationMicros} µs).");
        }
    }
}
