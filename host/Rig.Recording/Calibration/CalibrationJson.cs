using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Rig.Recording.Calibration;

/// <summary>
/// The calibration file format (see docs/calibration.md): indented JSON, snake_case names, fixed property order, durations in µs
/// (<c>_us</c>) and volumes in µL (<c>_ul</c>). Written by hand rather than by reflection so the order and units never drift.
/// </summary>
internal static class CalibrationJson
{
    public const string Format = "rig-valve-calibration";

    public const int FormatVersion = 1;

    public static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,

        // Operators' notes are read by people in diffs; "µ" and accents should stay themselves, not become \u escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly string[] ModelNames = ["linear", "monotone_quadratic", "power_law"];

    public static string ModelName(CurveModel model) => ModelNames[(int)model];

    public static JsonObject NewFile(string rigId, int valve) => new()
    {
        ["format"] = Format,
        ["format_version"] = FormatVersion,
        ["rig_id"] = rigId,
        ["valve"] = valve,
        ["records"] = new JsonArray(),
    };

    public static JsonObject ToNode(CalibrationRecord record)
    {
        var points = new JsonArray();
        foreach (CalibrationPoint p in record.Points)
        {
            points.Add(new JsonObject
            {
                ["duration_us"] = p.DurationMicros,
                ["pulses"] = p.Pulses,
                ["mass_g"] = p.MassGrams,
                ["density_g_per_ml"] = p.DensityGramsPerMl,

                // Derived and ignored on reading; there so a reader of the file sees the volume without a calculator.
                ["ul_per_pulse"] = Math.Round(p.MicrolitresPerPulse, 6),
            });
        }

        return new JsonObject
        {
            ["date"] = record.Date.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture),
            ["kind"] = record.Kind,
            ["operator"] = record.Operator,
            ["note"] = record.Note,
            ["firmware_version"] = record.FirmwareVersion,
            ["points"] = points,
            ["fit"] = record.Fit is null ? null : ToNode(record.Fit),
        };
    }

    private static JsonObject ToNode(CalibrationFit fit)
    {
        if (fit.Parameters.Any(p => !double.IsFinite(p)) || fit.ResidualsMicrolitres.Any(r => !double.IsFinite(r)))
        {
            throw new CalibrationInputException("A fit with non-finite parameters or residuals cannot be stored.");
        }

        return new JsonObject
        {
            ["model"] = ModelName(fit.Model),
            ["equation"] = Equation(fit.Model),
            ["parameters"] = new JsonArray(fit.Parameters.Select(p => (JsonNode?)JsonValue.Create(p)).ToArray()),
            ["min_duration_us"] = fit.MinDurationMicros,
            ["max_duration_us"] = fit.MaxDurationMicros,
            ["min_ul"] = Math.Round(fit.MinMicrolitres, 6),
            ["max_ul"] = Math.Round(fit.MaxMicrolitres, 6),
            ["r_squared"] = double.IsFinite(fit.RSquared) ? fit.RSquared : null,

            // Infinite when the model could not be cross-validated; JSON has no infinity, so it is written as null.
            ["cv_rms_ul"] = double.IsFinite(fit.CrossValidatedRmsMicrolitres) ? fit.CrossValidatedRmsMicrolitres : null,
            ["cv_rms_fraction"] = double.IsFinite(fit.CrossValidatedRmsFraction) ? fit.CrossValidatedRmsFraction : null,
            ["residuals_ul"] = new JsonArray(fit.ResidualsMicrolitres.Select(r => (JsonNode?)JsonValue.Create(r)).ToArray()),
        };
    }

    private static string Equation(CurveModel model) => model switch
    {
        CurveModel.Linear => "ul_per_pulse = a + b*t_us",
        CurveModel.MonotoneQuadratic => "ul_per_pulse = a + b*t_us + c*t_us^2",
        CurveModel.PowerLaw => "ul_per_pulse = a * t_us^b",
        _ => model.ToString(),
    };

    /// <summary>Reads a whole file; every problem becomes a <see cref="FileProblem"/> naming where in the file it is.</summary>
    public static List<CalibrationRecord> Parse(JsonElement root, string rigId, int valve)
    {
        Expect(root.ValueKind == JsonValueKind.Object, "the top level is not a JSON object");
        string format = String(root, "format", "$")!;
        Expect(format == Format, $"\"format\" is \"{format}\", not \"{Format}\"");
        int version = Int(root, "format_version", "$");
        Expect(version == FormatVersion, $"format_version {version} is not supported (this build reads {FormatVersion}); a newer Rig may have written it");
        string fileRig = String(root, "rig_id", "$")!;
        Expect(fileRig == rigId, $"it belongs to rig \"{fileRig}\", not \"{rigId}\"");
        int fileValve = Int(root, "valve", "$");
        Expect(fileValve == valve, $"it belongs to valve {fileValve}, not {valve}");

        JsonElement records = Property(root, "records", "$", JsonValueKind.Array);
        var result = new List<CalibrationRecord>();
        int index = 0;
        foreach (JsonElement r in records.EnumerateArray())
        {
            result.Add(ParseRecord(r, $"$.records[{index}]", rigId, valve));
            index++;
        }

        return result;
    }

    private static CalibrationRecord ParseRecord(JsonElement r, string at, string rigId, int valve)
    {
        Expect(r.ValueKind == JsonValueKind.Object, $"{at} is not an object");
        JsonElement dateElement = Property(r, "date", at, JsonValueKind.String);
        Expect(dateElement.TryGetDateTimeOffset(out DateTimeOffset date), $"{at}.date \"{dateElement.GetString()}\" is not an ISO 8601 date and time");
        string kind = String(r, "kind", at)!;
        Expect(kind is CalibrationKinds.Calibration or CalibrationKinds.Verification, $"{at}.kind is \"{kind}\", not \"calibration\" or \"verification\"");

        var points = new List<CalibrationPoint>();
        int index = 0;
        foreach (JsonElement p in Property(r, "points", at, JsonValueKind.Array).EnumerateArray())
        {
            string pat = $"{at}.points[{index}]";
            Expect(p.ValueKind == JsonValueKind.Object, $"{pat} is not an object");
            try
            {
                points.Add(CalibrationPoint.Create(UInt(p, "duration_us", pat), Int(p, "pulses", pat), Double(p, "mass_g", pat), Double(p, "density_g_per_ml", pat)));
            }
            catch (CalibrationInputException e)
            {
                throw new FileProblem($"{pat}: {e.Message}");
            }

            index++;
        }

        CalibrationFit? fit = null;
        if (r.TryGetProperty("fit", out JsonElement f) && f.ValueKind != JsonValueKind.Null)
        {
            fit = ParseFit(f, $"{at}.fit");
        }

        return new CalibrationRecord(date, kind, points, fit, String(r, "operator", at, optional: true), String(r, "note", at, optional: true), String(r, "firmware_version", at, optional: true), valve, rigId);
    }

    private static CalibrationFit ParseFit(JsonElement f, string at)
    {
        Expect(f.ValueKind == JsonValueKind.Object, $"{at} is not an object");
        string name = String(f, "model", at)!;
        int modelIndex = Array.IndexOf(ModelNames, name);
        Expect(modelIndex >= 0, $"{at}.model \"{name}\" is not one of {string.Join(", ", ModelNames)}");
        var model = (CurveModel)modelIndex;
        double[] parameters = Doubles(f, "parameters", at);
        Expect(parameters.Length == CalibrationFit.ParameterCount(model), $"{at}.parameters has {parameters.Length} values; a {name} curve has {CalibrationFit.ParameterCount(model)}");
        uint min = UInt(f, "min_duration_us", at);
        uint max = UInt(f, "max_duration_us", at);
        Expect(min > 0 && min <= max, $"{at} has an empty or invalid range {min}–{max} µs");
        double rSquared = f.TryGetProperty("r_squared", out JsonElement rs) && rs.ValueKind == JsonValueKind.Null ? double.NaN : Double(f, "r_squared", at);
        double cv = f.TryGetProperty("cv_rms_ul", out JsonElement cve) && cve.ValueKind == JsonValueKind.Null ? double.PositiveInfinity : Double(f, "cv_rms_ul", at);
        // Absent: written before the relative score existed (unknown, NaN). Null: written as infinite (never validated).
        double cvFraction = !f.TryGetProperty("cv_rms_fraction", out JsonElement cvf) ? double.NaN
            : cvf.ValueKind == JsonValueKind.Null ? double.PositiveInfinity
            : Double(f, "cv_rms_fraction", at);
        return new CalibrationFit(model, parameters, rSquared, cv, Doubles(f, "residuals_ul", at), min, max) { CrossValidatedRmsFraction = cvFraction };
    }

    private static JsonElement Property(JsonElement obj, string name, string at, JsonValueKind kind)
    {
        Expect(obj.TryGetProperty(name, out JsonElement value), $"{at}.{name} is missing");
        Expect(value.ValueKind == kind, $"{at}.{name} should be {Describe(kind)} but is {Describe(value.ValueKind)}");
        return value;
    }

    private static string? String(JsonElement obj, string name, string at, bool optional = false)
    {
        if (optional && (!obj.TryGetProperty(name, out JsonElement v) || v.ValueKind == JsonValueKind.Null))
        {
            return null;
        }

        return Property(obj, name, at, JsonValueKind.String).GetString();
    }

    private static int Int(JsonElement obj, string name, string at)
    {
        Expect(Property(obj, name, at, JsonValueKind.Number).TryGetInt32(out int value), $"{at}.{name} is not a whole number");
        return value;
    }

    private static uint UInt(JsonElement obj, string name, string at)
    {
        Expect(Property(obj, name, at, JsonValueKind.Number).TryGetUInt32(out uint value), $"{at}.{name} is not a whole number of µs (0 to {uint.MaxValue})");
        return value;
    }

    private static double Double(JsonElement obj, string name, string at)
    {
        Expect(Property(obj, name, at, JsonValueKind.Number).TryGetDouble(out double value) && double.IsFinite(value), $"{at}.{name} is not a finite number");
        return value;
    }

    private static double[] Doubles(JsonElement obj, string name, string at)
    {
        JsonElement array = Property(obj, name, at, JsonValueKind.Array);
        return array.EnumerateArray().Select((e, i) =>
        {
            Expect(e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out double d) && double.IsFinite(d), $"{at}.{name}[{i}] is not a finite number");
            return e.GetDouble();
        }).ToArray();
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "true or false",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };

    private static void Expect(bool condition, string problem)
    {
        if (!condition)
        {
            throw new FileProblem(problem);
        }
    }

    /// <summary>Carries a problem's description up to the store, which adds the file's path.</summary>
    internal sealed class FileProblem : Exception
    {
        public FileProblem()
        {
        }

        public FileProblem(string message)
            : base(message)
        {
        }

        public FileProblem(string message, Exception innerException)
            : base(message, innerException)
        {
        }
    }
}
