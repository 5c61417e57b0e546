using System.Collections.Generic;
using Rig.Protocol;

namespace Rig.Recording.Decoding;

/// <summary>A hole in the event numbers of one boot.</summary>
/// <param name="ExplainedByDevice">True when the device counted these events as dropped (the loss is known and exact); false when they never arrived.</param>
public sealed record EventGap(uint BootId, ulong FirstEventSeq, ulong Count, bool ExplainedByDevice, string Reason);

/// <summary>The clock map of a boot at the end of what was decoded.</summary>
/// <param name="RateErrorPpm">Host ns per device µs above nominal, ppm (positive: the device clock runs slow), from the newest fit.</param>
/// <param name="ResidualRmsMicros">Scatter of the fastest exchanges about the newest fit, µs.</param>
public sealed record ClockSummary(int Exchanges, int RejectedExchanges, double? RateErrorPpm, double? ResidualRmsMicros);

public sealed record BootSummary(
    uint BootId,
    ClockSummary Clock,
    string? FirmwareVersion,
    ulong? FirstEventSeq,
    ulong? EndEventSeq,
    long Events,
    long Batches,
    long DeviceLostEventsTotal,
    IReadOnlyList<EventGap> Gaps);

/// <summary>The device's own counters from its last status message.</summary>
/// <param name="BufferSeconds">Whole seconds of events the device can hold with its link down, at 1,000 events/s (status
/// `buffer_s`; 0 from firmware that predates it).</param>
public sealed record StatusSummary(
    uint BootId,
    string FirmwareVersion,
    double UptimeSeconds,
    ulong EventsCaptured,
    uint EventsLost,
    uint BatchesSent,
    uint BatchesResent,
    uint UnackedBatches,
    uint CommandsExecuted,
    uint CommandsRejected,
    uint ValveFaults,
    uint MalformedCommands,
    uint CommandsDropped,
    uint CaptureOverflows,
    uint HostSilenceValveCloses = 0,
    byte BufferSeconds = 0)
{
    public static StatusSummary From(DeviceStatus s) => new(
        s.BootId, s.FirmwareVersion, s.UptimeMicros / 1e6, s.EventsCaptured, s.EventsLost, s.BatchesSent, s.BatchesResent,
        s.UnackedBatches, s.CommandsExecuted, s.CommandsRejected, s.ValveFaults, s.MalformedCommands, s.CommandsDropped,
        s.CaptureOverflows, s.HostSilenceValveCloses, s.BufferSeconds);
}

/// <summary>Everything <see cref="SessionDecoder"/> derives from a journal. Identical live and re-decoded.</summary>
public sealed record SessionCounts
{
    public required string RigId { get; init; }
    public required IReadOnlyDictionary<string, long> EventsByKind { get; init; }
    public required long EventsTotal { get; init; }

    /// <summary>Lick onsets (the lick kind also counts offsets).</summary>
    public required long Licks { get; init; }

    public required long BatchesReceived { get; init; }
    public required long DuplicateBatches { get; init; }
    public required long ResentBatches { get; init; }

    /// <summary>Events missing that the device did not account for. Zero for a complete session.</summary>
    public required long UnexplainedMissingEvents { get; init; }

    /// <summary>Batches never received (holes, and ones the device reports sent beyond the last received). Zero for a complete session.</summary>
    public required long MissingBatches { get; init; }

    /// <summary>Missing batches the device said it no longer holds (answered a resend request with Unavailable): lost for good.</summary>
    public required long UnavailableBatches { get; init; }

    /// <summary>Events the device numbered and reported dropped (known, exact ranges in <see cref="Boots"/>).</summary>
    public required long DeviceLostEvents { get; init; }

    public required long StatusMessages { get; init; }
    public required long OfflineStatuses { get; init; }
    public required long SyncReplies { get; init; }
    public required long CommandsSent { get; init; }
    public required long ResendRequests { get; init; }
    public required IReadOnlyDictionary<string, long> AckResults { get; init; }
    public required long CommandsUnacknowledged { get; init; }
    public required double? AckRoundTripMedianMs { get; init; }
    public required double? AckRoundTripMaxMs { get; init; }
    public required IReadOnlyDictionary<string, long> MalformedMessages { get; init; }
    public required IReadOnlyList<string> MalformedExamples { get; init; }

    /// <summary>
    /// Well-formed messages that do not fit the session's device identity or are implausible (docs/security.md, "One identity
    /// per session"), by reason: journaled as received, but never fed into events, batch accounting, boots, status counters
    /// or alignment.
    /// </summary>
    public IReadOnlyDictionary<string, long> SuspiciousMessages { get; init; } = new SortedDictionary<string, long>();

    /// <summary>The first example of each suspicious reason, and a few more, so a summary shows what was set aside.</summary>
    public IReadOnlyList<string> SuspiciousExamples { get; init; } = [];
    public required long UnknownTopicMessages { get; init; }
    public required long Markers { get; init; }
    public required double HostSpanSeconds { get; init; }
    public required IReadOnlyList<BootSummary> Boots { get; init; }
    public required StatusSummary? LastStatus { get; init; }

    /// <summary>Valve openings by duration, with µL from the session's calibration curve when it has one.</summary>
    public RewardSummary? Rewards { get; init; }

    /// <summary>VR frames (renderer and Gimbl) and the photodiode's verdict on each; null when the session saw none and no photodiode edge.</summary>
    public VrFrameCounts? Vr { get; init; }

    /// <summary>The live alignment: events placed on the host clock and among the imaging frames, settled, and waiting (docs/sync.md).</summary>
    public LiveAlignmentCounts? Alignment { get; init; }
}
