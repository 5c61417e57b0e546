using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace Rig.Recording.Sessions;

/// <summary>A subject registry entry or request that cannot be used; the message names the subject, the field and what is wrong.</summary>
public sealed class SubjectRegistryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>One weighing: the mouse's weight on a day and the water it was given outside the rig that day.</summary>
public sealed record SubjectWeighing(DateOnly Date, double WeightGrams, double? WaterOutsideRigMl = null);

/// <summary>What a lab logs about one mouse: the facts that do not change, and a weighing per day.</summary>
/// <param name="Sex">"M", "F", "U" (unknown) or "O" (other), NWB's codes.</param>
public sealed record SubjectRecord(string Id, string Sex, DateOnly? DateOfBirth, string? Strain, string? Species, IReadOnlyList<SubjectWeighing> Weighings)
{
    /// <summary>The last weighing of <paramref name="date"/>, or null when the mouse was not weighed that day.</summary>
    public SubjectWeighing? WeighingOn(DateOnly date) => Weighings.LastOrDefault(w => w.Date == date);
}

/// <summary>
/// The lab's subject registry: one JSON file per mouse (&lt;id&gt;.json) in a folder (default ./subjects), written by
/// `rig subject add|weigh` and read when a session of that mouse starts, so session.json records its sex, date of birth,
/// strain and the day's weight without retyping them (docs/task.md, "From the mouse to the export"). Weighings are only
/// ever added; nothing recorded is changed.
/// </summary>
public sealed class SubjectRegistry
{
    /// <summary>The registry folder when none is given: ./subjects (or RIG_SUBJECTS).</summary>
    public const string DefaultFolder = "subjects";

    /// <summary>The lightest and heaviest plausible adult laboratory mouse, g: a number outside is a typo (mg, or a rat).</summary>
    public const double MinWeightGrams = 5, MaxWeightGrams = 80;

    /// <summary>The most water a mouse is given outside the rig in a day, mL (a mouse drinks 3-5 mL a day ad libitum).</summary>
    public const double MaxWaterMl = 10;

    private static readonly string[] Sexes = ["M", "F", "U", "O"];

    private static readonly JsonSerializerOptions Json = new(RigJson.Files) { WriteIndented = true };

    public SubjectRegistry(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Folder = Path.GetFullPath(folder);
    }

    public string Folder { get; }

    /// <summary>The entry of <paramref name="id"/>, or null when the registry has none.</summary>
    public SubjectRecord? Find(string id)
    {
        string path = PathOf(id);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var record = JsonSerializer.Deserialize<SubjectRecord>(File.ReadAllBytes(path), Json)
                ?? throw new SubjectRegistryException($"{path} is JSON null, not a subject");
            return record.Id == id ? record with { Weighings = record.Weighings ?? [] }
                : throw new SubjectRegistryException($"{path} holds subject '{record.Id}', not '{id}'");
        }
        catch (JsonException e)
        {
            throw new SubjectRegistryException($"{path} is not a subject file: {e.Message}", e);
        }
    }

    /// <summary>Every entry, by id.</summary>
    public IReadOnlyList<SubjectRecord> List() => !Directory.Exists(Folder) ? []
        : [.. Directory.EnumerateFiles(Folder, "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).Select(id => Find(id!)!)];

    /// <summary>Adds a new mouse; one already in the registry is refused (its entry is never written over).</summary>
    public SubjectRecord Add(string id, string sex, DateOnly? dateOfBirth, string? strain, string? species, DateOnly today)
    {
        CheckId(id);
        if (!Sexes.Contains(sex, StringComparer.Ordinal))
        {
            throw new SubjectRegistryException($"subject '{id}': sex '{sex}' is not one of {string.Join(", ", Sexes)} (M, F, U unknown, O other)");
        }

        if (dateOfBirth > today)
        {
            throw new SubjectRegistryException($"subject '{id}': date of birth {dateOfBirth:yyyy-MM-dd} is after today ({today:yyyy-MM-dd})");
        }

        if (Find(id) is not null)
        {
            throw new SubjectRegistryException($"subject '{id}' is already in {Folder}: an entry is never written over (rig subject show {id})");
        }

        var record = new SubjectRecord(id, sex, dateOfBirth, strain, species, []);
        Write(record, FileMode.CreateNew);
        return record;
    }

    /// <summary>Adds a weighing of <paramref name="id"/> (and the water given outside the rig) on <paramref name="date"/>.</summary>
    public SubjectRecord Weigh(string id, DateOnly date, double weightGrams, double? waterOutsideRigMl)
    {
        var record = Find(id) ?? throw new SubjectRegistryException($"subject '{id}' is not in {Folder}: add it first (rig subject add {id} --sex F|M ...)");
        if (double.IsNaN(weightGrams) || weightGrams < MinWeightGrams || weightGrams > MaxWeightGrams)
        {
            throw new SubjectRegistryException(string.Create(CultureInfo.InvariantCulture,
                $"subject '{id}': weight {weightGrams} g is outside {MinWeightGrams}-{MaxWeightGrams} g (grams, not mg)"));
        }

        if (waterOutsideRigMl is { } water && (double.IsNaN(water) || water < 0 || water > MaxWaterMl))
        {
            throw new SubjectRegistryException(string.Create(CultureInfo.InvariantCulture,
                $"subject '{id}': water outside the rig {water} mL is outside 0-{MaxWaterMl} mL"));
        }

        var updated = record with { Weighings = [.. record.Weighings, new SubjectWeighing(date, weightGrams, waterOutsideRigMl)] };
        Write(updated, FileMode.Create);
        return updated;
    }

    /// <summary>
    /// The subject of a session of the registry's mouse on the subject's day: its facts and that day's weighing added to
    /// what <paramref name="subject"/> already says (facts given for the session win). Null when the mouse is not in the registry.
    /// </summary>
    public SessionSubject? Complete(SessionSubject subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (Find(subject.Mouse) is not { } record)
        {
            return null;
        }

        var day = record.WeighingOn(subject.SessionDate);
        return subject with
        {
            Sex = subject.Sex ?? record.Sex,
            DateOfBirth = subject.DateOfBirth ?? record.DateOfBirth,
            Species = subject.Species ?? record.Species,
            Strain = subject.Strain ?? record.Strain,
            WeightGrams = subject.WeightGrams ?? day?.WeightGrams,
            WaterOutsideRigMl = subject.WaterOutsideRigMl ?? day?.WaterOutsideRigMl,
        };
    }

    private string PathOf(string id)
    {
        CheckId(id);
        return Path.Combine(Folder, id + ".json");
    }

    private static void CheckId(string id)
    {
        // The id names a file here and a session key in the exports: <mouse>_<date>_<block>.
        if (string.IsNullOrEmpty(id) || id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) || id.StartsWith('.'))
        {
            throw new SubjectRegistryException($"subject id '{id}' must be letters, digits, '-', '_' or '.' (it names a file and the session key <mouse>_<date>_<block>)");
        }
    }

    // Written to a new file beside the entry and moved over it, so a crash leaves the old entry or the new one, never half of one.
    private void Write(SubjectRecord record, FileMode mode)
    {
        Directory.CreateDirectory(Folder);
        string path = PathOf(record.Id);
        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(record, Json);
        if (mode == FileMode.CreateNew)
        {
            using var created = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            created.Write(bytes);
            return;
        }

        string temporary = path + ".new";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}
