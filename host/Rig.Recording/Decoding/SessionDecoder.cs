// Long: the one decoder of every journal record (device topics, commands, markers, VR frames), live and offline; its parts with their own state live in BootStream, RewardVolumes and VrFrameBook.
using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Recording.Journal;
using Rig.Recording.Sync;
using Rig.Protocol;

namespace Rig.Recording.Decoding;

/// <summary>Receives the events of every batch the first time it is seen (duplicates are not passed on).</summary>
public interface IEventSink
{
    void OnEvents(uint bootId, ulong firstEventSeq, ReadOnlySpan<EventRecord> records, long hostNanos);
}

/// <summary>
/// Turns journal records into counts, sequence bookkeeping and events. The live bridge feeds it each message as
/// it is journaled; `rig decode` feeds it the journal read back: one code path, so both give the same answer.
/// Never throws on bad input: a malformed message is counted with its reason.
/// </summary>
public sealed class SessionDecoder
{
    /// <summary>
    /// Distinct boot ids one session keeps books for. A rig reboots a handful of times in a session; past this, messages
    /// naming a new boot are forged or corrupt, and are counted as <see cref="TooManyBootsReason"/> instead of each
    /// allocating the books of a boot (a flood of random boot ids would otherwise grow the bridge's memory without end).
    /// </summary>
    public const int MaxBootsPerSession = 256;

    /// <summary>
    /// How far past the number of batches received from a boot its batch numbers may reach, in batches (4,096 batches are
    /// 82 s at the default 50 batches/s). The decoder keeps one slot per batch number in the span it checks for gaps; a
    /// forged batch number 4 billion ahead would otherwise allocate gigabytes (found by fuzzing). A real device numbers
    /// batches consecutively and only opens a batch when one of its resend slots (32 by default) is free, so the
    /// numbers it sends never run more than that ahead of what arrived.
    /// </summary>
    public const int MaxBatchSeqJump = 4096;

    /// <summary>Malformed-message reason of a message naming a boot beyond <see cref="MaxBootsPerSession"/>.</summary>
    public const string TooManyBootsReason = "TooManyBoots";

    /// <summary>Malformed-message reason of a batch whose number jumps beyond <see cref="MaxBatchSeqJump"/>.</summary>
    public const string BatchSeqJumpReason = "BatchSeqJump";

    private readonly RigTopics _topics;
    private readonly IEventSink? _sink;
    private readonly RewardVolumes _rewards;
    private readonly VrFrameBook _vr;
    private readonly LiveAlignment _alignment;
    private readonly EventRecord[] _records = new EventRecord[WireLimits.MaxRecordsPerBatch];
    private readonly long[] _lastValueByTag = new long[256];
    private readonly ByteReader _reader = new([], 0, 0);
    private readonly Dictionary<uint, BootStream> _boots = [];
    private readonly List<uint> _bootOrder = [];
    private readonly long[] _eventsByKind = new long[EventKinds.Count + 1];
    private readonly Dictionary<string, long> _malformed = [];
    private readonly List<string> _malformedExamples = [];
    private readonly Dictionary<uint, (CommandOpcode Opcode, long HostNanos)> _pendingCommands = [];
    private readonly Dictionary<uint, (uint Boot, uint First, ushort Count)> _resendTargets = [];
    private readonly Dictionary<string, long> _ackResults = [];
    private readonly List<double> _ackRoundTripsMs = [];
    private long _lickOnsets;
    private long _batchesReceived;
    private long _duplicateBatches;
    private long _resentBatches;
    private long _statusMessages;
    private long _offlineStatuses;
    private long _syncReplies;
    private long _commandsSent;
    private long _resendRequests;
    private long _unavailableBatches;
    private long _markers;
    private long _unknownTopic;
    private long _firstHostNanos = -1;
    private long _lastHostNanos = -1;

    public SessionDecoder(string rigId, IEventSink? sink = null, RewardVolumes? rewards = null)
    {
        _topics = new RigTopics(rigId);
        _sink = sink;
        _rewards = rewards ?? RewardVolumes.For(null);
        // A sink that also takes VR frames (a derivation's table builder) receives each frame once it is decided.
        _vr = new VrFrameBook(ClockOf, sink as IVrFrameSink, BatchesArrivedBefore);
        // A sink that also takes aligned events (a live display, a test) receives each as it is placed and as it settles.
        _alignment = new LiveAlignment(ClockOf, BatchesArrivedBefore, sink as IAlignedEventSink);
    }

    /// <summary>Every event's host time and imaging frame as the records arrive (docs/sync.md, "Live alignment").</summary>
    public LiveAlignment Alignment => _alignment;

    /// <summary>Boot ids in the order they were first seen.</summary>
    public IReadOnlyList<uint> BootIds => _bootOrder;

    /// <summary>The latest Online status, if any.</summary>
    public DeviceStatus? LastStatus { get; private set; }

    public long EventsTotal => _eventsByKind.Sum();

    public long BatchesReceived => _batchesReceived;

    /// <summary>Feeds one journal record.</summary>
    public void Process(in JournalRecord record)
    {
        if (_firstHostNanos < 0)
        {
            _firstHostNanos = record.HostNanos;
        }

        _lastHostNanos = record.HostNanos;
        switch (record.Type)
        {
            case JournalRecordType.Received:
                ProcessReceived(record.Topic, record.Payload, record.HostNanos);
                break;
            case JournalRecordType.Sent:
                ProcessSent(record.Topic, record.Payload, record.HostNanos);
                break;
            case JournalRecordType.Marker:
                _markers++;
                if (record.Payload.Span.SequenceEqual(SessionStopMarker))
                {
                    // The recorder's last record: frames and flips still waiting are decided now, live and replayed alike.
                    _vr.Finish(record.HostNanos);
                    _alignment.Finish(record.HostNanos);
                }

                break;
            default:
                CountMalformed("journal record type " + (int)record.Type, "unknown journal record type");
                break;
        }

        if (_vr.Active)
        {
            _vr.Pump(record.HostNanos);
        }

        _alignment.Pump(record.HostNanos);
    }

    /// <summary>The recorder's session_stop marker, byte for byte (Bridge/JournalMarkers).</summary>
    private static readonly byte[] SessionStopMarker = "{\"marker\":\"session_stop\"}"u8.ToArray();

    /// <summary>
    /// Decides every VR frame still waiting (a session that never closed has no session_stop marker to do it); each goes to
    /// the sink as for a closed session. Counts change only for such a session.
    /// </summary>
    public void FinishVrFrames() => _vr.Finish(_lastHostNanos);

    /// <summary>Settles every event still waiting in the live alignment (a session that never closed has no session_stop marker to do it).</summary>
    public void FinishAlignment() => _alignment.Finish(_lastHostNanos);

    /// <summary>
    /// Batches not received: holes between the lowest and highest batch number of each boot, and batches the
    /// device's latest status says it has sent beyond the highest one received.
    /// </summary>
    public IReadOnlyList<(uint BootId, SeqRange Batches)> MissingBatches()
    {
        var result = new List<(uint, SeqRange)>();
        foreach (uint boot in _bootOrder)
        {
            foreach (var range in _boots[boot].MissingBatches())
            {
                result.Add((boot, range));
            }
        }

        return result;
    }

    /// <summary>The boot id of the latest batch or Online status: the device as it is now.</summary>
    public uint? CurrentBootId { get; private set; }

    /// <summary>
    /// Highest batch number through which every batch of <paramref name="bootId"/> from the session's floor has
    /// arrived (what may be acknowledged), or null when nothing may be acknowledged yet.
    /// </summary>
    public uint? ContiguousBatchThrough(uint bootId)
    {
        if (!_boots.TryGetValue(bootId, out var s) || s.Batches.IsEmpty)
        {
            return null;
        }

        if (s.FloorBatchSeq is { } floor && floor < s.Batches.Min)
        {
            // Batches below the first one received are still missing: acknowledging past them would let the device
            // forget them before they are resent.
            return floor == 0 ? null : (uint)(floor - 1);
        }

        return (uint)s.Batches.ContiguousThrough;
    }

    /// <summary>
    /// Whether every batch of <paramref name="bootId"/> from the session's floor (or the first received) up to, not including,
    /// <paramref name="batchSeq"/> has arrived or is known gone (the device answered that it no longer holds it): nothing the
    /// device sent before that batch can still come. The photodiode matcher waits for it to take flips in the device's order.
    /// </summary>
    public bool BatchesArrivedBefore(uint bootId, uint batchSeq)
    {
        if (!_boots.TryGetValue(bootId, out var s) || s.Batches.IsEmpty)
        {
            return false;
        }

        // Holes the device said are gone do not hold flips back. Each step skips a whole run of received or gone batches.
        ulong cursor = s.FloorBatchSeq is { } f && f < s.Batches.Min ? f : s.Batches.Min;
        while (cursor < batchSeq)
        {
            ulong next = s.Unavailable.IsEmpty ? s.Batches.NextMissing(cursor) : s.Unavailable.NextMissing(s.Batches.NextMissing(cursor));
            if (next == cursor)
            {
                return false;
            }

            cursor = next;
        }

        return true;
    }

    /// <summary>Missing batches worth asking for: those the device has not said it no longer holds.</summary>
    public IReadOnlyList<(uint BootId, SeqRange Batches)> RecoverableMissingBatches()
    {
        var result = new List<(uint, SeqRange)>();
        foreach (uint boot in _bootOrder)
        {
            var s = _boots[boot];
            foreach (var range in s.MissingBatches())
            {
                ulong cursor = range.First;
                for (ulong b = range.First; b < range.End; b++)
                {
                    if (s.Unavailable.Contains(b))
                    {
                        if (b > cursor)
                        {
                            result.Add((boot, new SeqRange(cursor, b - cursor)));
                        }

                        cursor = b + 1;
                    }
                }

                if (range.End > cursor)
                {
                    result.Add((boot, new SeqRange(cursor, range.End - cursor)));
                }
            }
        }

        return result;
    }

    /// <summary>Everything counted so far.</summary>
    public SessionCounts Summarize()
    {
        var boots = new List<BootSummary>();
        long unexplained = 0;
        long deviceLost = 0;
        long missingBatches = 0;
        foreach (uint id in _bootOrder)
        {
            var s = _boots[id];
            var gaps = s.EventGaps();
            // Saturating: forged event numbers can make a gap of up to 2^64 events, which must not overflow the summary.
            unexplained = SaturatingSum(unexplained, gaps.Where(g => !g.ExplainedByDevice).Select(g => g.Count));
            missingBatches = SaturatingSum(missingBatches, s.MissingBatches().Select(g => g.Count));
            deviceLost = SaturatingSum(deviceLost, gaps.Where(g => g.ExplainedByDevice).Select(g => g.Count));
            var clockFit = s.Clock.Count == 0 ? null : s.Clock.FitAt(s.Clock.NewestDeviceMicros);
            boots.Add(new BootSummary(
                BootId: id,
                Clock: new ClockSummary(s.Clock.Count, s.Clock.Rejected, clockFit?.RateErrorPpm, clockFit?.ResidualRmsNanos / 1000),
                FirmwareVersion: s.FirmwareVersion,
                FirstEventSeq: s.Events.IsEmpty ? null : s.Events.Min,
                EndEventSeq: s.Events.IsEmpty ? null : s.Events.End,
                Events: Saturate(s.Events.Total),
                Batches: Saturate(s.Batches.Total),
                DeviceLostEventsTotal: s.MaxLostTotal,
                Gaps: gaps));
        }

        var kinds = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (int k = 1; k <= EventKinds.Count; k++)
        {
            kinds[EventKinds.Name((EventKind)k)] = _eventsByKind[k];
        }

        double[] rtt = [.. _ackRoundTripsMs.Order()];
        return new SessionCounts
        {
            RigId = _topics.RigId,
            EventsByKind = kinds,
            EventsTotal = EventsTotal,
            Licks = _lickOnsets,
            BatchesReceived = _batchesReceived,
            DuplicateBatches = _duplicateBatches,
            ResentBatches = _resentBatches,
            UnexplainedMissingEvents = unexplained,
            MissingBatches = missingBatches,
            UnavailableBatches = _unavailableBatches,
            DeviceLostEvents = deviceLost,
            StatusMessages = _statusMessages,
            OfflineStatuses = _offlineStatuses,
            SyncReplies = _syncReplies,
            CommandsSent = _commandsSent,
            ResendRequests = _resendRequests,
            AckResults = new SortedDictionary<string, long>(_ackResults, StringComparer.Ordinal),
            CommandsUnacknowledged = _pendingCommands.Count,
            AckRoundTripMedianMs = rtt.Length == 0 ? null : rtt[rtt.Length / 2],
            AckRoundTripMaxMs = rtt.Length == 0 ? null : rtt[^1],
            MalformedMessages = new SortedDictionary<string, long>(_malformed, StringComparer.Ordinal),
            MalformedExamples = [.. _malformedExamples],
            UnknownTopicMessages = _unknownTopic,
            Markers = _markers,
            HostSpanSeconds = _firstHostNanos < 0 ? 0 : (_lastHostNanos - _firstHostNanos) / 1e9,
            Boots = boots,
            LastStatus = LastStatus is { } st ? StatusSummary.From(st) : null,
            Rewards = _rewards.Summarize(),
            Vr = _vr.Active ? _vr.Summarize() : null,
            Alignment = _alignment.Summarize(),
        };
    }

    private void ProcessReceived(TopicKind topic, ReadOnlyMemory<byte> payload, long hostNanos)
    {
        if (topic is TopicKind.VrFrame or TopicKind.GimblFrame)
        {
            // Counted, never thrown: a bad frame message must not stop recording.
            if (topic == TopicKind.VrFrame)
            {
                _vr.OnFrame(payload.Span, hostNanos, CurrentBootId);
            }
            else
            {
                _vr.OnGimblFrame();
            }

            return;
        }

        byte[] bytes = payload.ToArray();
        _reader.Reset(bytes, 0, bytes.Length);
        try
        {
            if (bytes.Length > WireLimits.MaxMessageBytes)
            {
                throw new ProtocolException(ProtocolError.MessageTooLarge, "message", 0);
            }

            switch (topic)
            {
                case TopicKind.Events:
                    OnBatch(EventBatchReader.Decode(_reader, _records, _lastValueByTag), hostNanos);
                    break;
                case TopicKind.Status:
                    if (DeviceStatus.TryReadOfflineWill(bytes, 0, bytes.Length, out uint willBoot))
                    {
                        // The text form of the Offline will, from devices whose MQTT client takes the will as a string.
                        OnStatus(new DeviceStatus { State = DeviceState.Offline, BootId = willBoot });
                    }
                    else
                    {
                        OnStatus(DeviceStatus.Read(_reader));
                    }

                    break;
                case TopicKind.Ack:
                    OnAck(Ack.Read(_reader), hostNanos);
                    break;
                case TopicKind.Sync:
                    OnSyncReply(SyncReply.Read(_reader), hostNanos);
                    break;
                default:
                    _unknownTopic++;
                    break;
            }
        }
        catch (ProtocolException e)
        {
            CountMalformed(ProtocolException.ErrorName(e.Error), $"{topic}: {e.Message}");
        }
    }

    private void ProcessSent(TopicKind topic, ReadOnlyMemory<byte> payload, long hostNanos)
    {
        if (topic != TopicKind.Command)
        {
            return;
        }

        byte[] bytes = payload.ToArray();
        _reader.Reset(bytes, 0, bytes.Length);
        try
        {
            var cmd = Command.Read(_reader);
            _commandsSent++;
            if (cmd.Opcode == CommandOpcode.ResendBatches)
            {
                _resendRequests++;
                _resendTargets[cmd.CommandId] = (cmd.TargetBootId, cmd.BatchSeq, cmd.BatchCount);
            }

            if ((cmd.Flags & CommandFlags.NoAck) == 0 && cmd.Opcode != CommandOpcode.SyncRequest)
            {
                _pendingCommands[cmd.CommandId] = (cmd.Opcode, hostNanos);
            }
        }
        catch (ProtocolException e)
        {
            CountMalformed("sent " + ProtocolException.ErrorName(e.Error), $"sent command: {e.Message}");
        }
    }

    private void OnBatch(EventBatchHeader header, long hostNanos)
    {
        if (TryBoot(header.BootId, "batch") is not { } boot)
        {
            return;
        }

        if (!boot.WithinJump(header.BatchSeq))
        {
            CountMalformed(BatchSeqJumpReason, $"batch {header.BatchSeq} of boot {header.BootId:x8} is more than {MaxBatchSeqJump} batches past what was received");
            return;
        }

        _batchesReceived++;
        CurrentBootId = header.BootId;
        if ((header.Flags & EventBatchFlags.Resent) != 0)
        {
            _resentBatches++;
        }

        if (boot.Batches.Contains(header.BatchSeq))
        {
            _duplicateBatches++;
            return;
        }

        boot.Batches.Add(header.BatchSeq, 1);
        boot.Events.Add(header.FirstEventSeq, header.RecordCount);
        boot.Remember(header);
        for (int i = 0; i < header.RecordCount; i++)
        {
            ref readonly var r = ref _records[i];
            _eventsByKind[(int)r.Kind]++;
            if (r.Kind == EventKind.Lick && r.Value == 1)
            {
                _lickOnsets++;
            }
            else if (r.Kind == EventKind.Valve && r.Value > 0)
            {
                _rewards.OnValveOpened(r.Channel, r.Value);
            }
            else if (r.Kind == EventKind.Photodiode && r.Channel == 0)
            {
                _vr.OnFlip(header.BootId, header.BatchSeq, header.FirstEventSeq + (ulong)i, r.DeviceMicros, r.Value, hostNanos);
            }
        }

        _sink?.OnEvents(header.BootId, header.FirstEventSeq, _records.AsSpan(0, header.RecordCount), hostNanos);
        _alignment.OnBatch(header.BootId, header.BatchSeq, header.FirstEventSeq, _records.AsSpan(0, header.RecordCount), hostNanos);
    }

    private void OnSyncReply(SyncReply reply, long hostNanos)
    {
        _syncReplies++;
        TryBoot(reply.BootId, "sync reply")?.Clock.Add(new SyncExchange((long)reply.HostTime, reply.DeviceReceiveMicros, reply.DeviceReplyMicros, hostNanos));
    }

    /// <summary>The device-to-host clock map of a boot, from its clock exchanges so far (null for a boot never seen).</summary>
    public ClockMap? ClockOf(uint bootId) => _boots.TryGetValue(bootId, out var s) ? s.Clock : null;

    private void OnStatus(DeviceStatus status)
    {
        _statusMessages++;
        if (TryBoot(status.BootId, "status") is not { } boot)
        {
            return;
        }

        boot.FirmwareVersion = status.FirmwareVersion;
        if (status.State == DeviceState.Offline)
        {
            _offlineStatuses++;
        }
        else
        {
            LastStatus = status;
            CurrentBootId = status.BootId;
            boot.ReportedBatchesSent = Math.Max(boot.ReportedBatchesSent, status.BatchesSent);

            // The first status of a boot tells where this session's stream starts: the oldest batch the device still
            // holds. Everything from there on belongs to the session, so even a lost first batch is noticed.
            boot.FloorBatchSeq ??= status.BatchesSent >= status.UnackedBatches ? status.BatchesSent - status.UnackedBatches : 0;
        }
    }

    private void OnAck(Ack ack, long hostNanos)
    {
        string result = ack.Result.ToString();
        _ackResults[result] = _ackResults.GetValueOrDefault(result) + 1;
        if (_pendingCommands.Remove(ack.CommandId, out var sent))
        {
            _ackRoundTripsMs.Add((hostNanos - sent.HostNanos) / 1e6);
        }

        if (ack.Opcode == CommandOpcode.ResendBatches && _resendTargets.Remove(ack.CommandId, out var request)
            && ack.Result == AckResult.Unavailable)
        {
            // The detail is the oldest batch the device still holds: everything asked for below it is gone for good.
            // It stays counted as missing but is not asked for again.
            if (TryBoot(ack.BootId == 0 ? request.Boot : ack.BootId, "ack") is not { } boot)
            {
                return;
            }

            ulong end = Math.Min((ulong)request.First + request.Count, ack.Detail);
            for (ulong b = request.First; b < end; b++)
            {
                if (!boot.Batches.Contains(b))
                {
                    _unavailableBatches += 1 - (long)boot.Unavailable.Add(b, 1);
                }
            }
        }
    }

    private static long Saturate(ulong value) => value > long.MaxValue ? long.MaxValue : (long)value;

    private static long SaturatingSum(long start, IEnumerable<ulong> values)
    {
        long total = start;
        foreach (ulong v in values)
        {
            long add = Saturate(v);
            total = total > long.MaxValue - add ? long.MaxValue : total + add;
        }

        return total;
    }

    /// <summary>The books of <paramref name="bootId"/>, opened if new; null (counted) past <see cref="MaxBootsPerSession"/>.</summary>
    private BootStream? TryBoot(uint bootId, string what)
    {
        if (!_boots.ContainsKey(bootId) && _boots.Count >= MaxBootsPerSession)
        {
            CountMalformed(TooManyBootsReason, $"{what} of boot {bootId:x8}: the session has seen {MaxBootsPerSession} boots already");
            return null;
        }

        return Boot(bootId);
    }

    private BootStream Boot(uint bootId)
    {
        if (!_boots.TryGetValue(bootId, out var s))
        {
            s = new BootStream(bootId);
            _boots[bootId] = s;
            _bootOrder.Add(bootId);
        }

        return s;
    }

    /// <summary>Called with the reason and a description of every message counted as malformed, as it is counted (live warnings).</summary>
    public Action<string, string>? Malformed { get; set; }

    /// <summary>Examples kept in the summary: the first <see cref="ExamplesPerReason"/> of each reason, <see cref="MaxExamples"/> in all.</summary>
    public const int MaxExamples = 10;

    /// <summary>Examples kept per reason, so a flood of one kind leaves room for the others.</summary>
    public const int ExamplesPerReason = 2;

    private void CountMalformed(string reason, string example)
    {
        long count = _malformed.GetValueOrDefault(reason) + 1;
        _malformed[reason] = count;
        if (_malformedExamples.Count < MaxExamples && count <= ExamplesPerReason)
        {
            _malformedExamples.Add(example);
        }

        Malformed?.Invoke(reason, example);
    }
}
