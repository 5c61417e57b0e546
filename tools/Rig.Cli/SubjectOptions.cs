using System;
using System.CommandLine;
using System.Globalization;
using Rig.Recording.Sessions;

namespace Rig.Cli;

/// <summary>
/// The facts about the animal and who ran the session that an NWB export records (session.json's subject); every one is
/// optional, and the NWB file says "unknown" ("U" for sex) for those not given.
/// </summary>
internal sealed class SubjectOptions
{
    private static readonly string[] Sexes = ["M", "F", "U", "O"];

    public Option<string?> Sex { get; } = new("--sex") { Description = "The mouse's sex: M, F, U (unknown) or O (other), as NWB codes it" };

    public Option<string?> DateOfBirth { get; } = new("--date-of-birth") { Description = "The mouse's date of birth, YYYY-MM-DD" };

    public Option<string?> Age { get; } = new("--age") { Description = "The mouse's age as an ISO 8601 duration (e.g. P90D), when the date of birth is not known" };

    public Option<string?> Species { get; } = new("--species") { Description = "Latin binomial (default in exports: Mus musculus)" };

    public Option<string?> Experimenter { get; } = new("--experimenter") { Description = "Who runs the session (recorded in session.json and NWB exports)" };

    public Option<string?> Lab { get; } = new("--lab") { Description = "The lab the session is run in (recorded in session.json and NWB exports)" };

    public SubjectOptions()
    {
        Sex.AcceptOnlyFromAmong(Sexes);
        DateOfBirth.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text && !DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                r.AddError($"--date-of-birth '{text}' is not a date YYYY-MM-DD");
            }
        });
        Age.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text && (text.Length < 3 || text[0] != 'P'))
            {
                r.AddError($"--age '{text}' is not an ISO 8601 duration such as P90D");
            }
        });
    }

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in new Option[] { Sex, DateOfBirth, Age, Species, Experimenter, Lab })
        {
            command.Options.Add(option);
        }

        command.Validators.Add(result =>
        {
            if (result.GetValue(DateOfBirth) is not null && result.GetValue(Age) is not null)
            {
                result.AddError("--date-of-birth and --age both give the mouse's age: give one (NWB keeps the date of birth when known)");
            }
        });
    }

    /// <summary>The facts given on the command line (null where not given).</summary>
    public SubjectFacts Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new SubjectFacts(parse.GetValue(Sex), parse.GetValue(DateOfBirth) is { } born ? DateOnly.ParseExact(born, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null,
            parse.GetValue(Age), parse.GetValue(Species), parse.GetValue(Experimenter), parse.GetValue(Lab));
    }
}

/// <summary>The optional subject facts of <see cref="SubjectOptions"/>, bound once.</summary>
internal sealed record SubjectFacts(string? Sex, DateOnly? DateOfBirth, string? Age, string? Species, string? Experimenter, string? Lab)
{
    public SessionSubject ApplyTo(SessionSubject subject) => subject with
    {
        // Only what was given: the rest stays as the subject had it (the registry fills it later).
        Sex = Sex ?? subject.Sex, DateOfBirth = DateOfBirth ?? subject.DateOfBirth, Age = Age ?? subject.Age, Species = Species ?? subject.Species,
        Experimenter = Experimenter ?? subject.Experimenter, Lab = Lab ?? subject.Lab,
    };
}
