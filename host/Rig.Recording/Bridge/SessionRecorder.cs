using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Rig.Recording.Link;
using Rig.Recording.Sessions;
using Rig.Protocol;

namespace Rig.Recording.Bridge;

/// <summary>
/// Records one session of one rig: every message received (and every command sent) goes to the journal first,
/// byte for byte, then through <see cref="SessionDecoder"/>. Acknowledges batches, asks for missing ones, sends
/// commands and waits for their acknowledgements. Files: session.json (header), journal.rigj, summary.json.
/// </summary>
public sealed partial class SessionRecorder : IAsyncDisposable
{
    private readonly IRigLink _link;
    private readonly RigTopics _topics;
    private readonly RecordedTopics _recorded;
    private readonly BridgeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _oversized;
    private readonly JournalWriter _journal;
    private readonly SessionDecoder _decoder;
    private readonly object _gate = new();
    private readonly PendingCommands _pending;
    private readonly ResendPolicy _resends;
    private readonly SyncScheduler _sync;
    private readonly BootTracker _boots = new();
    private readonly AckScheduler _acks = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<Exception> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly LatencyHistogram _receiveToJournal = new();
    private readonly int _journalSegment;
    private Task _receiveLoop = Task.CompletedTask;
    private Task _housekeeping = Task.CompletedTask;
    private int _nextCommandId;
    private long _linkErrors;
    private long _lastIdentityPingNanos = long.MinValue / 2;
    private bool _stopped;

    private readonly SessionFolder _folder;
    private readonly SessionLock _lock;
    private readonly Func<System.Collections.Generic.IReadOnlyDictionary<string, System.Text.Json.JsonElement>>? _summarySections;

    private SessionRecorder(RecorderSettings settings, SessionFolder folder, SessionLock folderLock, int segment, SessionDecoder decoder)
    {
        _link = settings.Link;
        _recorded = new RecordedTopics(settings.RigId);
        _topics = _recorded.Rig;
        _folder = folder;
        _lock = folderLock;
        _options = settings.Options;
        _time = settings.Time;
        _logger = settings.Logger;
        _summarySections = settings.SummarySections;
        _journalSegment = segment;
        _journal = JournalWriter.Create(folder.SegmentPath(segment), settings.Time, settings.Options.Journal);
        _decoder = decoder;
        var warnings = new BadInputWarnings(settings.Logger, settings.Time);
        _decoder.BadInput = warnings.Note;
        _pending = new PendingCommands(settings.Options, settings.Time);
        _resends = new ResendPolicy(settings.Options);
        _sync = new SyncScheduler(settings.Options, settings.Time);
        _nextCommandId = Random.Shared.Next(1, 1 << 20);
    }

    public string Folder => _folder.Path;

    /// <summary>
    /// Completes, with the cause, if recording stopped by itself (the journal could not be written): the session
    /// must end now, since nothing more can be recorded. Never completes for a session that ends normally.
    /// </summary>
    public Task<Exception> Failed => _failed.Task;

    /// <summary>Boot id of the device as it is now.</summary>
    public uint? BootId
    {
        get
        {
            lock (_gate)
            {
                return _decoder.CurrentBootId;
            }
        }
    }

    private void StartLoops()
    {
        _sync.Restart();
        _receiveLoop = Task.Run(ReceiveLoopAsync, CancellationToken.None);
        _housekeeping = Task.Run(HousekeepingLoopAsync, CancellationToken.None);
    }

    /// <summary>What has been recorded so far.</summary>
    public SessionCounts Snapshot()
    {
        lock (_gate)
        {
            return _decoder.Summarize();
        }
    }

    public long JournalBytes => _journal.BytesWritten;

    /// <summary>Messages larger than a journal record: journaled as a marker and a bounded prefix (<see cref="OversizePrefixBytes"/>).</summary>
    public long OversizedMessages => Interlocked.Read(ref _oversized);

    /// <summary>What is kept of a message larger than a journal record: one byte over the wire limit, so it decodes as MessageTooLarge.</summary>
    public const int OversizePrefixBytes = WireLimits.MaxMessageBytes + 1;

    /// <summary>The journal's syncs to disk so far and the longest one.</summary>
    public (long Count, TimeSpan Longest) JournalSyncs => _journal.Syncs;

    /// <summary>A copy of the receive-to-journal latencies so far, to combine with other recorders'.</summary>
    public LatencyHistogram CopyReceiveToJournal()
    {
        var copy = new LatencyHistogram();
        lock (_gate)
        {
            copy.Add(_receiveToJournal);
        }

        return copy;
    }

    /// <summary>Publishes of acknowledgements, resend requests or clock exchanges that failed and were retried.</summary>
    public long LinkErrors => Interlocked.Read(ref _linkErrors);

    /// <summary>
    /// Sends a command to the current boot and waits for its acknowledgement. The command id and target boot are
    /// filled in here. Throws <see cref="CommandTimeoutException"/> when no acknowledgement arrives in time.
    /// </summary>
    public async Task<Ack> SendCommandAsync(Command command, CancellationToken cancellationToken)
    {
        Task<Ack> acked;
        uint id;
        lock (_gate)
        {
            id = NextCommandId();
            acked = _pending.Add(id);
        }

        command.CommandId = id;
        command.TargetBootId = BootId ?? 0;
        try
        {
            return await _pending.WaitAsync(id, command.Opcode, PublishCommandAsync(command, cancellationToken), acked, cancellationToken);
        }
        finally
        {
            lock (_gate)
            {
                _pending.Remove(id);
            }
        }
    }

    private uint NextCommandId() => (uint)Interlocked.Increment(ref _nextCommandId);

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (await _link.Messages.WaitToReadAsync(_stop.Token))
            {
                while (_link.Messages.TryRead(out var message))
                {
                    OnMessage(message, JournalWriter.HostNanos(_time));
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopping; messages still queued are drained below so nothing received is left out of the journal.
            while (_link.Messages.TryRead(out var message))
            {
                OnMessage(message, JournalWriter.HostNanos(_time));
            }
        }
        catch (ChannelClosedException)
        {
            _logger.LogWarning("link closed while recording");
        }
        catch (JournalWriteException e)
        {
            // Nothing more can be recorded: say so at once rather than when the session is stopped.
            _logger.LogCritical("recording stopped: {Message}", e.Message);
            _failed.TrySetResult(e);
        }
#pragma warning disable CA1031 // Any other failure must end the session visibly, not leave a dead loop behind a live-looking progress line.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.LogCritical("recording stopped: unexpected {Type}: {Message}", e.GetType().Name, e.Message);
            _failed.TrySetResult(e);
        }
    }

    private void OnMessage(LinkMessage message, long hostNanos)
    {
        // Device topics and the renderer's (and Gimbl's) frame topics; frame messages are journaled and decoded like the device's.
        var kind = _recorded.Classify(message.Topic);
        AckCompletion completion = default;
        var payload = message.Payload;
        bool truncated = payload.Length > JournalFormat.MaxPayloadLength;
        lock (_gate)
        {
            if (truncated)
            {
                // Larger than a journal record holds (no real message comes near: the wire limit is 64 KiB). A marker
                // with its topic and length, then a bounded prefix: still over the wire limit, so the decoder counts it as
                // MessageTooLarge live and offline alike, and the journal never claims bytes it did not keep.
                MarkJson(JournalMarkers.Truncated(message.Topic, payload.Length, OversizePrefixBytes));
                payload = payload[..OversizePrefixBytes];
                Interlocked.Increment(ref _oversized);
            }

            // Raw bytes first: whatever happens next, the message is on the record.
            _journal.Append(JournalRecordType.Received, kind, hostNanos, payload.Span);
            if (message.ReceivedTimestamp != 0)
            {
                // Measured on the stopwatch the link stamped with (a metric of this process, not session time).
                _receiveToJournal.Add((long)((Stopwatch.GetTimestamp() - message.ReceivedTimestamp) * (1e9 / Stopwatch.Frequency)));
            }

            _decoder.Process(new JournalRecord(JournalRecordType.Received, kind, hostNanos, payload));
            NoteBoot();
            if (kind == TopicKind.Ack)
            {
                completion = _pending.Take(message.Payload);
            }
        }

        completion.Run();
    }

    private async Task HousekeepingLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.AckInterval, _time, _stop.Token);
                await SendAcksAsync(_stop.Token);
                await RequestMissingAsync(_stop.Token);
                await SendSyncRequestAsync(_stop.Token);
                await AskUnconfirmedBootsAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                // Stopping: a publish cut short by the stop (MQTTnet reports it as a timeout, not as cancellation).
                return;
            }
            catch (Exception e) when (e is LinkDisconnectedException or LinkRejectedException or MQTTnet.Exceptions.MqttCommunicationException)
            {
                // The link reconnects by itself; acknowledgements, resend requests and clock exchanges resume with
                // the next round. Counted and logged, so a link that keeps failing is visible.
                Interlocked.Increment(ref _linkErrors);
                _logger.LogWarning("link error, retrying next round: {Message}", e.Message);
            }
            catch (JournalWriteException e)
            {
                // Nothing more can be recorded or acknowledged: end the session now, as the receive loop does.
                _logger.LogCritical("recording stopped: {Message}", e.Message);
                _failed.TrySetResult(e);
                return;
            }
        }
    }

    private async Task SendSyncRequestAsync(CancellationToken cancellationToken)
    {
        if (_sync.TryTake())
        {
            await PublishCommandAsync(SyncScheduler.Request(NextCommandId(), BootId ?? 0, JournalWriter.HostNanos(_time)), cancellationToken);
        }
    }

    /// <summary>
    /// A boot whose Online status came but which is not the session's (the device rebooted, or someone else publishes under its
    /// name) is held by the decoder until a round trip names it: a Ping to whichever boot is listening (target 0), at most
    /// once a second, is that round trip. The device's ack carries its boot id; the decoder confirms the boot from the
    /// journaled Ping and ack, live and offline alike.
    /// </summary>
    private async Task AskUnconfirmedBootsAsync(CancellationToken cancellationToken)
    {
        long now = JournalWriter.HostNanos(_time);
        lock (_gate)
        {
            if (now - _lastIdentityPingNanos < 1_000_000_000L || _decoder.BootsAwaitingConfirmation().Count == 0)
            {
                return;
            }

            _lastIdentityPingNanos = now;
        }

        await PublishCommandAsync(new Command { Opcode = CommandOpcode.Ping, CommandId = NextCommandId() }, cancellationToken);
    }

    private async Task SendAcksAsync(CancellationToken cancellationToken)
    {
        AckRange ack;
        lock (_gate)
        {
            uint? current = _decoder.CurrentBootId;
            if (_acks.Next(current, current is { } boot ? _decoder.ContiguousBatchThrough(boot) : null) is not { } next)
            {
                return;
            }

            ack = next;
        }

        // What is acknowledged must survive this process: the device forgets it once acknowledged. Written to the OS (not
        // synced: a SIGKILL keeps it, a power cut may take the last second, see docs/reliability.md).
        _journal.WriteToOperatingSystem();
        await PublishCommandAsync(ack.ToCommand(NextCommandId()), cancellationToken);
        lock (_gate)
        {
            _acks.Sent(ack);
        }
    }

    private async Task RequestMissingAsync(CancellationToken cancellationToken)
    {
        var requests = new List<Command>();
        long now = JournalWriter.HostNanos(_time);
        lock (_gate)
        {
            foreach (var due in _resends.Due(_decoder.RecoverableMissingBatches(), _decoder.CurrentBootId, now))
            {
                requests.Add(due.ToCommand(NextCommandId()));
            }
        }

        foreach (var request in requests)
        {
            _logger.LogInformation("asking rig for batches {First}..{Last}", request.BatchSeq, request.BatchSeq + request.BatchCount - 1u);
            await PublishCommandAsync(request, cancellationToken);
        }
    }

    private async Task PublishCommandAsync(Command command, CancellationToken cancellationToken)
    {
        byte[] buffer = EncodeCommand(command);
        lock (_gate)
        {
            // Journaled before it is published, so the record shows every command the device may have acted on.
            JournalSent(buffer, JournalWriter.HostNanos(_time));
        }

        await _link.PublishAsync(_topics.Command, buffer, retain: false, cancellationToken);
    }

    internal static byte[] EncodeCommand(Command command)
    {
        var buffer = new byte[Command.HeaderSize + Command.PayloadSize(command.Opcode)];
        command.Write(new ByteWriter(buffer, 0, buffer.Length));
        return buffer;
    }

    private void JournalSent(byte[] command, long hostNanos)
    {
        _journal.Append(JournalRecordType.Sent, TopicKind.Command, hostNanos, command);
        _decoder.Process(new JournalRecord(JournalRecordType.Sent, TopicKind.Command, hostNanos, command));
    }

    /// <summary>
    /// Journals a marker from the task engine (its decisions; docs/task.md). <paramref name="json"/> must be a JSON object
    /// with a "marker" field, so offline readers can tell markers apart.
    /// </summary>
    public void JournalMarker(byte[] json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JournalMarkers.Validate(json);

        lock (_gate)
        {
            MarkJson(json);
        }
    }

    /// <summary>
    /// Journals a command that is delivered to the device by another path than this recorder's link (the virtual rig's
    /// lockstep task driver hands it to the simulated device at its next tick) and returns its bytes. The command id and
    /// target boot are filled in here, so the device's acknowledgement, which arrives over the link, is paired with it
    /// in the journal and the summary exactly as for <see cref="SendCommandAsync"/>.
    /// </summary>
    public byte[] JournalDirectCommand(Command command)
    {
        command.CommandId = NextCommandId();
        command.TargetBootId = BootId ?? 0;
        byte[] buffer = EncodeCommand(command);
        lock (_gate)
        {
            JournalSent(buffer, JournalWriter.HostNanos(_time));
        }

        return buffer;
    }

    /// <summary>
    /// Under <see cref="_gate"/>, after each decoded message: a new boot id (the device rebooted) is logged, marked in the
    /// journal, and its clock map is started afresh with the fast exchanges of a session start.
    /// </summary>
    private void NoteBoot()
    {
        if (_boots.Observe(_decoder.CurrentBootId) is not { } reboot)
        {
            return;
        }

        _logger.LogWarning("rig {Rig} rebooted: boot {Old:x8} -> {New:x8}; a new clock map starts", _topics.RigId, reboot.Previous, reboot.Current);
        MarkJson(JournalMarkers.Rebooted(reboot));
        _sync.Restart();
    }

    private void Mark(string what) => MarkJson(JournalMarkers.Named(what));

    private void MarkJson(byte[] json)
    {
        long hostNanos = JournalWriter.HostNanos(_time);
        _journal.Append(JournalRecordType.Marker, TopicKind.Unknown, hostNanos, json);
        _decoder.Process(new JournalRecord(JournalRecordType.Marker, TopicKind.Unknown, hostNanos, json));
    }
}
