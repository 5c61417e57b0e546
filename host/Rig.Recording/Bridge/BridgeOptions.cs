using System;
using System.Collections.Generic;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Recording.Calibration;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Rig.Recording.Link;
using Rig.Recording.Sessions;

namespace Rig.Recording.Bridge;

/// <summary>Bridge settings. Timing defaults are chosen for Wi-Fi links (tens of ms typical, seconds worst case).</summary>
public sealed record BridgeOptions
{
    /// <summary>How long to wait for the rig's (retained) status before giving up.</summary>
    public TimeSpan DeviceWaitTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often received batches are acknowledged to the device (which then frees its resend buffer).</summary>
    public TimeSpan AckInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A missing batch is asked for again only after this long, in case it is merely late.</summary>
    public TimeSpan GapGrace { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>A resend request that brought nothing is repeated after this long.</summary>
    public TimeSpan ResendRetry { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Most batches asked for in one resend request.</summary>
    public int MaxBatchesPerResend { get; init; } = 64;

    /// <summary>How long a command waits for its acknowledgement.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a clock exchange (SyncRequest) is sent once the session is under way.</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often a clock exchange is sent during <see cref="SyncFastPeriod"/> after the start, so the map is ready early.</summary>
    public TimeSpan SyncFastInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long after the start exchanges go at <see cref="SyncFastInterval"/>.</summary>
    public TimeSpan SyncFastPeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>At stop, how long to wait for missing batches to arrive.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public JournalWriterOptions Journal { get; init; } = JournalWriterOptions.Default;
}

/// <summary>What the session header records about where the session came from, and the water calibration in use (if any).</summary>
/// <param name="Subject">Whose session it is (mouse, day, block), kept in session.json for the derivation and the exports.</param>
/// <param name="RewardDoses">The µL → ms each rewarding valve uses (a protocol session's; uncalibrated ones say so); null for none.</param>
/// <param name="Insecure">`--insecure` let the bridge connect to a broker on the network without a login (session.json "insecure").</param>
/// <param name="ImagingFrameRateHz">The rig's imaging frame rate setting (`--frame-rate-hz`), or null when not given.</param>
public sealed record SessionStartInfo(string Broker, string Software, string? TaskProtocol = null, string? CommandLine = null,
    CalibrationProvenance? Calibration = null, SessionSubject? Subject = null, IReadOnlyList<RewardDose>? RewardDoses = null,
    bool Insecure = false, double? ImagingFrameRateHz = null);

/// <summary>Everything one recorder needs, in one object: the connected link, the rig, the folder and how to record.</summary>
/// <param name="Link">A connected link to the broker the rig publishes on.</param>
/// <param name="Folder">The session folder: created by <see cref="SessionRecorder.StartAsync"/>, continued by <see cref="SessionRecorder.ResumeAsync"/>.</param>
public sealed record RecorderSettings(IRigLink Link, string RigId, string Folder)
{
    /// <summary>What session.json records about where the session came from (a resumed session keeps its own header).</summary>
    public SessionStartInfo Info { get; init; } = new("", "");

    public BridgeOptions Options { get; init; } = new();

    /// <summary>The host clock every journal record is stamped with.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Receives every decoded event once (a task, a live display); for a resumed session, the events read back first.</summary>
    public IEventSink? Sink { get; init; }

    /// <summary>
    /// Extra sections for summary.json, asked for once as the session closes (after a run's task has stopped): other
    /// parts of the run report their own counts there (the VR scene publisher's as "vr_sink"). Null: none.
    /// </summary>
    public Func<System.Collections.Generic.IReadOnlyDictionary<string, System.Text.Json.JsonElement>>? SummarySections { get; init; }
}

/// <summary>The outcome of a recorded session.</summary>
/// <param name="ReceiveToJournal">From the link taking a message off the wire to its journal append, for links that stamp receipt.</param>
public sealed record SessionResult(string Folder, SessionCounts Counts, long JournalRecords, long JournalBytes, bool Drained,
    LatencySummary? ReceiveToJournal = null);
