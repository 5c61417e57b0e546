using System;
using System.Collections.Generic;
using Rig.Recording.Bridge;
using Rig.Recording.Calibration;
using Rig.Recording.Decoding;

namespace Rig.Recording.Sessions;

/// <summary>The header written once at the start of a session (session.json); <see cref="SessionFolder"/> is its one reader and writer.</summary>
/// <param name="Subject">Whose session it is (mouse, the day the session belongs to, block); null in sessions recorded before it was kept here.</param>
/// <param name="RewardDoses">The µL → ms a protocol session used per rewarding valve (`calibrated` false with `--uncalibrated`); null without.</param>
/// <param name="Insecure">True when `--insecure` let the bridge record from a broker on the network without a login, i.e. one
/// that admits anyone (docs/security.md); written only when true.</param>
/// <param name="ImagingFrameRateHz">The rig's imaging frame rate setting (`--frame-rate-hz`: a multi-plane mesoscope near 3 Hz,
/// a resonant scope near 30 Hz), checked against the frame clock in the derivation; written only when given.</param>
public sealed record SessionHeader(
    string Format,
    string SessionId,
    string RigId,
    uint BootId,
    string FirmwareVersion,
    DateTimeOffset StartedUtc,
    long HostMonotonicStartNanos,
    IReadOnlyDictionary<string, int> WireFormats,
    string Broker,
    string Software,
    string? TaskProtocol,
    string? CommandLine,
    CalibrationProvenance? Calibration = null,
    SessionSubject? Subject = null,
    IReadOnlyList<RewardDose>? RewardDoses = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    bool Insecure = false,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    double? ImagingFrameRateHz = null);

/// <summary>Whose session it is: the key &lt;mouse&gt;_&lt;YYYY_MM_DD&gt;_&lt;block&gt; of the exports, and the facts an NWB file
/// records about the animal and who ran it. The facts are optional (null in sessions recorded before they were kept, and
/// left out of session.json when not given): the NWB export then says "unknown" ("U" for sex) and notes it.</summary>
/// <param name="SessionDate">The calendar day the session belongs to (a simulated cohort advances it per day).</param>
/// <param name="Sex">"M", "F", "U" (unknown) or "O" (other), NWB's codes.</param>
/// <param name="DateOfBirth">The animal's date of birth.</param>
/// <param name="Age">The animal's age as an ISO 8601 duration (e.g. "P90D"), when the date of birth is not known.</param>
/// <param name="Species">Latin binomial; the NWB export writes "Mus musculus" when null.</param>
/// <param name="Experimenter">Who ran the session.</param>
/// <param name="Lab">The lab the session was run in.</param>
/// <param name="Strain">The mouse's strain or line (the subject registry's, `rig subject add --strain`).</param>
/// <param name="WeightGrams">The mouse's weight on the session's day, g (`rig subject weigh`); null when not weighed that day.</param>
/// <param name="WaterOutsideRigMl">Water given outside the rig on the session's day, mL (`rig subject weigh --water-ml`).</param>
public sealed record SessionSubject(string Mouse, DateOnly SessionDate, int Block,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? Sex = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    DateOnly? DateOfBirth = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? Age = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? Species = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? Experimenter = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? Lab = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? Strain = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    double? WeightGrams = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    double? WaterOutsideRigMl = null);

/// <summary>summary.json: the decoder's counts plus the journal's size and whether every batch arrived.</summary>
/// <param name="JournalRecords">Records written by this run (a resumed session's earlier segments are not included).</param>
/// <param name="Sections">Extra sections other parts of the run report when the session closes, by name (e.g. "vr_sink": the
/// VR scene publisher's counts); null when none.</param>
/// <param name="Failure">Why recording stopped before the session was ended (the exception's type and message), null when it
/// was ended normally: a failed session is closed with what the journal holds up to the failure.</param>
public sealed record SessionSummaryFile(SessionCounts Counts, long JournalRecords, long JournalBytes, bool Drained,
    LatencySummary? ReceiveToJournal = null, int JournalSegments = 1,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyDictionary<string, System.Text.Json.JsonElement>? Sections = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? Failure = null);
