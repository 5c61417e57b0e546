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

    /// <summary>
    /// Batch numbers a status's batches_sent may claim beyond the highest the boot's stream has shown (batches received, the
    /// floor, an earlier plausible status), before elapsed time is allowed for: batches lost in transit at the tail.
    /// </summary>
    public const int MaxBatchesSentSlack = 64;

    /// <summary>
    /// Batch numbers per second of host time a boot may advance by while nothing of it arrives: 20 times the default rate
    /// (50/s), so a burst of prompt-closed batches or a link outage never makes a real status implausible.
    /// </summary>
    public const int MaxBatchesPerSecond = 1000;

    /// <summary>Messages of unconfirmed boots held for their confirmation (a rebooted device's first batches precede it), and their bytes.</summary>
    public const int MaxHeldMessages = 4096;

    public const long MaxHeldBytes = 16L << 20;

    /// <summary>Suspicious: a batch, status or clock reply of a boot that is not the session's and no round trip confirmed.</summary>
    public const string UnconfirmedBootReason = "unconfirmed_boot";

    /// <summary>Suspicious: a status whose batches_sent runs further past the stream than the elapsed time allows.</summary>
    public const string ImplausibleBatchesSentReason = "implausible_batches_sent";

    /// <summary>Suspicious: a batch whose event numbers or loss counter do not continue its neighbours' (a real device's always do).</summary>
    public const string InconsistentBatchReason = "inconsistent_batch";

    /// <summary>Suspicious: a batch with the number of one already accepted but other contents (a resend is the same batch).</summary>
    public const string BatchCollisionReason = "batch_collision";

    /// <summary>Suspicious: an acknowledgement of a command id the journal shows was never sent.</summary>
    public const string AckForUnsentCommandReason = "ack_for_unsent_command";

    /// <summary>Suspicious: a clock reply to a request id the journal shows was never sent (it would bend the clock map).</summary>
    public const string SyncReplyForUnsentCommandReason = "sync_reply_for_unsent_command";

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
    private readonly SeqRangeSet _sentCommandIds = new();
    private readonly HashSet<uint> _roundTripBoots = [];
    private readonly List<HeldMessage> _held = [];
    private readonly Dictionary<string, long> _suspicious = [];
    private readonly List<string> _suspiciousExamples = [];
    private long _heldBytes;
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
            SuspiciousMessages = SuspiciousCounts(),
            SuspiciousExamples = [.. _suspiciousExamples, .. _held.Take(Math.Max(0, 12 - _suspiciousExamples.Count)).Select(h => h.Describe())],
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
                    var header = EventBatchReader.Decode(_reader, _records, _lastValueByTag);
                    if (Admits(header.BootId, topic, bytes, hostNanos))
                    {
                        OnBatch(header, hostNanos);
                    }

                    break;
                case TopicKind.Status:
                    // The text form of the Offline will, from devices whose MQTT client takes the will as a string.
                    var status = DeviceStatus.TryReadOfflineWill(bytes, 0, bytes.Length, out uint willBoot)
                        ? new DeviceStatus { State = DeviceState.Offline, BootId = willBoot }
                        : DeviceStatus.Read(_reader);
                    if (Admits(status, bytes, hostNanos))
                    {
                        OnStatus(status, hostNanos);
                    }

                    break;
                case TopicKind.Ack:
                    OnAck(Ack.Read(_reader), bytes, hostNanos);
                    break;
                case TopicKind.Sync:
                    var reply = SyncReply.Read(_reader);
                    if (Admits(reply, bytes, hostNanos))
                    {
                        OnSyncReply(reply, hostNanos);
                    }

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
            _sentCommandIds.Add(cmd.CommandId, 1);
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

        bool known = boot.Batches.Contains(header.BatchSeq);
        if (known ? !boot.SameAsKept(header) : !boot.Continues(header))
        {
            // A real batch always wins a number collision: the first consistent version is kept, a resend of it is a plain
            // duplicate, and a version that contradicts its neighbours (or the kept one) is set aside, whichever came first.
            CountSuspicious(known ? BatchCollisionReason : InconsistentBatchReason,
                $"batch {header.BatchSeq} of boot {header.BootId:x8} (events {header.FirstEventSeq}+{header.RecordCount}, loss counter {header.LostEventsTotal}) "
                + (known ? "differs from the one kept under that number" : "does not continue its neighbours"));
            return;
        }

        _batchesReceived++;
        CurrentBootId = header.BootId;
        boot.Advanced(header.BatchSeq + 1UL, hostNanos);
        if ((header.Flags & EventBatchFlags.Resent) != 0)
        {
            _resentBatches++;
        }

        if (known)
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

    private void OnStatus(DeviceStatus status, long hostNanos)
    {
        if (TryBoot(status.BootId, "status") is not { } boot)
        {
            _statusMessages++;
            return;
        }

        if (status.State == DeviceState.Online && boot.FloorBatchSeq is not null
            && status.BatchesSent > boot.PlausibleBatchesSent(hostNanos))
        {
            // More batches than the boot can have numbered since its stream was last seen: believed, it would invent missing
            // batches (and a session that is whole would end incomplete). Set aside; the batches themselves still count.
            CountSuspicious(ImplausibleBatchesSentReason,
                $"status of boot {status.BootId:x8} claims {status.BatchesSent} batches sent; at most {boot.PlausibleBatchesSent(hostNanos)} are plausible");
            return;
        }

        _statusMessages++;

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
            boot.Advanced(status.BatchesSent, hostNanos);

            // The first status of a boot tells where this session's stream starts: the oldest batch the device still
            // holds. Everything from there on belongs to the session, so even a lost first batch is noticed.
            boot.FloorBatchSeq ??= status.BatchesSent >= status.UnackedBatches ? status.BatchesSent - status.UnackedBatches : 0;
        }
    }

    private void OnAck(Ack ack, byte[] bytes, long hostNanos)
    {
        if (!_sentCommandIds.Contains(ack.CommandId))
        {
            // No Sent record of this id: the bridge never asked. Matched, it could write off batches (Unavailable) or be taken
            // for a command's outcome; it is set aside instead.
            CountSuspicious(AckForUnsentCommandReason, $"ack {ack.Result} of {ack.Opcode} for command {ack.CommandId}, never sent (boot {ack.BootId:x8})");
            return;
        }

        // A round trip: the device that answered a command the bridge sent names its boot (docs/security.md).
        ConfirmBoot(ack.BootId);
        if (IdentityChecked && !_boots.ContainsKey(ack.BootId))
        {
            // Answered by a boot that is not (yet) the session's (its Online status has not come): held with its other messages.
            Hold(new HeldMessage(ack.BootId, TopicKind.Ack, bytes, hostNanos));
            return;
        }

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

    /// <summary>
    /// True once the journal shows a command sent: a recorder's journal always starts with its status request, so from then on
    /// boots need an identity. A journal with no command (hand-built, synthetic) has no round trip to check against and is
    /// decoded as before: every boot taken at its word.
    /// </summary>
    private bool IdentityChecked => !_sentCommandIds.IsEmpty;

    /// <summary>
    /// Whether a batch or clock reply of <paramref name="bootId"/> belongs to the session now; if not it is held until its boot
    /// is confirmed (or counted as suspicious when the hold is full).
    /// </summary>
    private bool Admits(uint bootId, TopicKind topic, byte[] bytes, long hostNanos)
    {
        if (!IdentityChecked || _boots.ContainsKey(bootId))
        {
            return true;
        }

        Hold(new HeldMessage(bootId, topic, bytes, hostNanos));
        return false;
    }

    /// <summary>
    /// A status belongs to the session when its boot does. A boot becomes the session's when its Online status and a round
    /// trip naming it have both arrived, in either order: at the start (the status request's ack, within milliseconds; a
    /// stale retained status of a boot that does not answer never becomes the session's) and after a reboot alike.
    /// </summary>
    private bool Admits(DeviceStatus status, byte[] bytes, long hostNanos)
    {
        if (!IdentityChecked || _boots.ContainsKey(status.BootId))
        {
            return true;
        }

        bool online = status.State == DeviceState.Online;
        if (online && _roundTripBoots.Contains(status.BootId))
        {
            Accept(status.BootId);
            return true;
        }

        Hold(new HeldMessage(status.BootId, TopicKind.Status, bytes, hostNanos, online));
        return false;
    }

    private bool Admits(SyncReply reply, byte[] bytes, long hostNanos)
    {
        if (!IdentityChecked)
        {
            return true;
        }

        if (!_sentCommandIds.Contains(reply.CommandId))
        {
            CountSuspicious(SyncReplyForUnsentCommandReason, $"clock reply for request {reply.CommandId}, never sent (boot {reply.BootId:x8})");
            return false;
        }

        ConfirmBoot(reply.BootId);
        return Admits(reply.BootId, TopicKind.Sync, bytes, hostNanos);
    }

    /// <summary>
    /// A round trip named <paramref name="bootId"/>. With its Online status seen (held), the boot is the session's from now on;
    /// without, it is once the status comes.
    /// </summary>
    private void ConfirmBoot(uint bootId)
    {
        if (!IdentityChecked || _boots.ContainsKey(bootId) || _roundTripBoots.Count >= MaxBootsPerSession || !_roundTripBoots.Add(bootId))
        {
            return;
        }

        if (_held.Exists(h => h.BootId == bootId && h.Online))
        {
            Accept(bootId);
        }
    }

    /// <summary>Opens the books of a boot that is now the session's and decodes what was held of it, in arrival order.</summary>
    private void Accept(uint bootId)
    {
        if (TryBoot(bootId, "confirmed boot") is null)
        {
            return;
        }

        var held = _held.FindAll(h => h.BootId == bootId);
        if (held.Count == 0)
        {
            return;
        }

        _held.RemoveAll(h => h.BootId == bootId);
        foreach (var h in held)
        {
            _heldBytes -= h.Bytes.Length;
            ProcessReceived(h.Topic, h.Bytes, h.HostNanos);
        }
    }

    private void Hold(HeldMessage message)
    {
        if (_held.Count >= MaxHeldMessages || _heldBytes + message.Bytes.Length > MaxHeldBytes)
        {
            CountSuspicious(UnconfirmedBootReason, message.Describe());
            return;
        }

        _held.Add(message);
        _heldBytes += message.Bytes.Length;
    }

    /// <summary>Boots with messages held for a confirmation, whose Online status has arrived: the recorder asks them for a round trip.</summary>
    public IReadOnlyList<uint> BootsAwaitingConfirmation() =>
        [.. _held.Where(h => h.Online).Select(h => h.BootId).Distinct().Take(4)];

    /// <summary>The suspicious counts, held messages of unconfirmed boots included (they count until their boot is confirmed).</summary>
    private SortedDictionary<string, long> SuspiciousCounts()
    {
        var counts = new SortedDictionary<string, long>(_suspicious, StringComparer.Ordinal);
        if (_held.Count > 0)
        {
            counts[UnconfirmedBootReason] = counts.GetValueOrDefault(UnconfirmedBootReason) + _held.Count;
        }

        return counts;
    }

    private void CountSuspicious(string reason, string example)
    {
        long n = _suspicious[reason] = _suspicious.GetValueOrDefault(reason) + 1;

        // The first three of each reason, twelve in all: a flood of one kind does not hide the others.
        if (n <= 3 && _suspiciousExamples.Count < 12)
        {
            _suspiciousExamples.Add(reason + ": " + example);
        }

        BadInput?.Invoke("suspicious " + reason, example);
    }

    /// <summary>A message of a boot not (yet) the session's, kept whole to be decoded if a round trip confirms the boot.</summary>
    private sealed record HeldMessage(uint BootId, TopicKind Topic, byte[] Bytes, long HostNanos, bool Online = false)
    {
        public string Describe() => $"{UnconfirmedBootReason}: {Topic} message of boot {BootId:x8}, which no round trip confirmed";
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

    /// <summary>Called with the reason and a description of every message counted as malformed or suspicious, as it is counted (live warnings).</summary>
    public Action<string, string>? BadInput { get; set; }

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

        BadInput?.Invoke(reason, example);
    }
}
