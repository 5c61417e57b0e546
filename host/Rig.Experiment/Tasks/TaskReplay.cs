using System;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Rig.Recording.Sessions;
using Rig.Protocol;

namespace Rig.Experiment.Tasks;

/// <summary>
/// Rebuilds a session's task tables from its journal alone, as a consumer of the one replay pass: the task markers the
/// engine journaled and the events the device sent go through the same <see cref="TaskTableBuilder"/> the live engine fed.
/// </summary>
public sealed class TaskReplay : IEventSink, IRecordConsumer
{
    private readonly TaskTableBuilder _builder = new();
    private uint? _boot;

    /// <summary>True once the pass has met a task plan (the session ran a protocol).</summary>
    public bool HasPlan => _builder.PlanMarker is not null;

    public void OnRecord(in JournalRecord record)
    {
        if (record.Type == JournalRecordType.Marker && TaskMarker.TryParse(record.Payload.Span) is { } marker)
        {
            _builder.OnMarker(marker);
        }
    }

    public void OnEvents(uint bootId, ulong firstEventSeq, ReadOnlySpan<EventRecord> records, long hostNanos)
    {
        _boot ??= bootId;
        _builder.OnEvents(bootId, records);
    }

    /// <summary>The tables, once the pass is over; host times come from the clock map of the boot the task ran on.</summary>
    public TaskSessionTables Build(SessionSubject subject, SessionDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(decoder);
        if (!HasPlan)
        {
            throw new InvalidOperationException("the journal holds no task plan (the session was not run with a protocol)");
        }

        var clock = _boot is { } boot ? decoder.ClockOf(boot) : null;
        return _builder.Build(subject.Mouse, subject.SessionDate, subject.Block,
            micros => clock?.ToHost(micros) is { } h ? (long)Math.Round(h.HostNanos) : null);
    }
}
