using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rig.Host.Calibration.Run;
using Rig.Host.Decoding;
using Rig.Host.Journal;
using Rig.Host.Link;
using Rig.Host.Sessions;
using Rig.Protocol;

namespace Rig.Host.Bridge;

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
public sealed record SessionStartInfo(string Broker, string Software, string? TaskProtocol = null, string? CommandLine = null,
    CalibrationProvenance? Calibration = null, SessionSubject? Subject = null);

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
}

/// <summary>The outcome of a recorded session.</summary>
/// <param name="ReceiveToJournal">From the link taking a message off the wire to its journal append, for links that stamp receipt.</param>
public sealed record SessionResult(string Folder, SessionCounts Counts, long JournalRecords, long JournalBytes, bool Drained,
    LatencySummary? ReceiveToJournal = null);

/// <summary>
/// Records one session of one rig: every message received (and every command sent) goes to the journal first,
/// byte for byte, then through <see cref="SessionDecoder"/>. Acknowledges batches, asks for missing ones, sends
/// commands and waits for their acknowledgements. Files: session.json (header), journal.rigj, summary.json.
/// </summary>
public sealed class SessionRecorder : IAsyncDisposable
{
    private readonly IRigLink _link;
    private readonly RigTopics _topics;
    private readonly BridgeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly JournalWriter _journal;
    private readonly SessionDecoder _decoder;
    private readonly object _gate = new();
    private readonly Dictionary<uint, TaskCompletionSource<Ack>> _pending = [];
    private readonly Dictionary<(uint Boot, ulong First), (long FirstSeen, long LastAsked)> _gaps = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly ByteReader _ackReader = new([], 0, 0);
    private readonly TaskCompletionSource<Exception> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly LatencyHistogram _receiveToJournal = new();
    private readonly int _journalSegment;
    private uint? _lastBoot;
    private Task _receiveLoop = Task.CompletedTask;
    private Task _housekeeping = Task.CompletedTask;
    private int _nextCommandId;
    private long _linkErrors;
    private long _startedTimestamp;
    private long _nextSyncTimestamp;
    private uint? _ackedBoot;
    private uint _ackedThrough;
    private bool _stopped;

    private readonly SessionFolder _folder;
    private readonly SessionLock _lock;

    private SessionRecorder(RecorderSettings settings, SessionFolder folder, SessionLock folderLock, int segment, SessionDecoder decoder)
    {
        _link = settings.Link;
        _topics = new RigTopics(settings.RigId);
        _folder = folder;
        _lock = folderLock;
        _options = settings.Options;
        _time = settings.Time;
        _logger = settings.Logger;
        _journalSegment = segment;
        _journal = JournalWriter.Create(folder.SegmentPath(segment), settings.Time, settings.Options.Journal);
        _decoder = decoder;
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

    /// <summary>
    /// Subscribes to the rig's topics, waits for its status, creates the session folder (never an existing one), writes the
    /// header, takes the folder's recording lock and starts recording. The link must be connected.
    /// </summary>
    public static async Task<SessionRecorder> StartAsync(RecorderSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (link, time, options, info) = (settings.Link, settings.Time, settings.Options, settings.Info);
        var topics = new RigTopics(settings.RigId);
        string path = Path.GetFullPath(settings.Folder);
        if (Directory.Exists(path) || File.Exists(path))
        {
            // Said before waiting for the device, so a mistyped --out fails at once.
            throw new SessionFolderExistsException(path);
        }

        await SubscribeAsync(link, topics, cancellationToken);

        // Ask for a fresh status as well as relying on the retained one: a retained message published while we
        // subscribe can be missed by a broker, and one that restarted without persistence has none.
        var statusRequest = EncodeCommand(new Command { Opcode = CommandOpcode.RequestStatus, CommandId = (uint)Random.Shared.Next(1, int.MaxValue) });
        long statusRequestNanos = JournalWriter.HostNanos(time);
        await link.PublishAsync(topics.Command, statusRequest, retain: false, cancellationToken);

        // The status tells who the device is before the header is written; what arrives meanwhile is kept.
        var early = new List<(LinkMessage Message, long HostNanos)>();
        DeviceStatus? status = null;
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            wait.CancelAfter(options.DeviceWaitTimeout);
            try
            {
                while (status is null)
                {
                    var message = await link.Messages.ReadAsync(wait.Token);
                    early.Add((message, JournalWriter.HostNanos(time)));
                    if (topics.Classify(message.Topic) == TopicKind.Status && TryReadStatus(message.Payload, out var s)
                        && s.State == DeviceState.Online)
                    {
                        status = s;
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new DeviceNotFoundException(settings.RigId, info.Broker, options.DeviceWaitTimeout);
            }
        }

        var folder = SessionFolder.Create(path, new SessionHeader(
            Format: "rig-session/1",
            SessionId: Guid.NewGuid().ToString("N"),
            RigId: settings.RigId,
            BootId: status.Value.BootId,
            FirmwareVersion: status.Value.FirmwareVersion,
            StartedUtc: time.GetUtcNow(),
            HostMonotonicStartNanos: JournalWriter.HostNanos(time),
            WireFormats: new Dictionary<string, int>
            {
                ["event_batch"] = FormatVersion.EventBatch,
                ["command"] = FormatVersion.Command,
                ["ack"] = FormatVersion.Ack,
                ["status"] = FormatVersion.Status,
                ["sync_reply"] = FormatVersion.SyncReply,
            },
            Broker: info.Broker,
            Software: info.Software,
            TaskProtocol: info.TaskProtocol,
            CommandLine: info.CommandLine,
            Calibration: info.Calibration,
            Subject: info.Subject));
        var recorder = new SessionRecorder(settings, folder, folder.Lock("the recorder of rig " + settings.RigId), 1,
            new SessionDecoder(settings.RigId, settings.Sink, RewardVolumes.For(info.Calibration)));
        recorder.Mark("session_start");
        lock (recorder._gate)
        {
            recorder.JournalSent(statusRequest, statusRequestNanos);
        }

        foreach (var (message, hostNanos) in early)
        {
            recorder.OnMessage(message, hostNanos);
        }

        recorder.StartLoops();
        settings.Logger.LogInformation("recording rig {Rig} (boot {Boot:x8}, firmware {Firmware}) into {Folder}", settings.RigId,
            status.Value.BootId, status.Value.FirmwareVersion, folder.Path);
        return recorder;
    }

    /// <summary>
    /// Continues a session whose bridge stopped without closing it (killed, crashed, power cut): takes the folder's recording
    /// lock (a folder another recorder holds is refused), reads every journal segment back into the decoder (a torn tail is
    /// reported, everything before it kept), opens the next segment (nothing already written is touched), marks the
    /// resumption with what the previous segments ended with, and records on. The device resends whatever the previous run
    /// never acknowledged. A session closed with a summary is not resumed.
    /// </summary>
    public static async Task<SessionRecorder> ResumeAsync(RecorderSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        SessionFolder folder;
        try
        {
            folder = SessionFolder.Open(settings.Folder);
        }
        catch (NotASessionFolderException e)
        {
            throw new SessionResumeException(Path.GetFullPath(settings.Folder), $"it is not a session folder ({SessionFolder.HeaderFile} is missing)", e);
        }

        var folderLock = folder.Lock("the recorder of rig " + settings.RigId + " (resumed)");
        try
        {
            if (folder.IsClosed)
            {
                throw new SessionResumeException(folder.Path, $"the session was closed ({SessionFolder.SummaryFile} exists); sessions are never reopened or overwritten");
            }

            if (!string.Equals(folder.Header.RigId, settings.RigId, StringComparison.Ordinal))
            {
                throw new SessionResumeException(folder.Path, $"it records rig '{folder.Header.RigId}', not '{settings.RigId}'");
            }

            var replay = settings.Sink is null ? folder.Replay() : folder.Replay(settings.Sink);
            await SubscribeAsync(settings.Link, new RigTopics(settings.RigId), cancellationToken);
            int number = replay.Result.JournalSegments + 1;
            var recorder = new SessionRecorder(settings, folder, folderLock, number, replay.Decoder);
            long now = JournalWriter.HostNanos(settings.Time);
            lock (recorder._gate)
            {
                recorder._lastBoot = replay.Decoder.CurrentBootId;
                recorder.MarkJson(JsonSerializer.SerializeToUtf8Bytes(new
                {
                    marker = "session_resume",
                    segment = number,
                    records_before = replay.Result.JournalRecords,
                    host_gap_seconds = replay.Result.LastHostNanos is { } last ? (now - last) / 1e9 : (double?)null,
                    previous_segments = replay.Result.Segments.Select(e => new
                    {
                        segment = e.Segment,
                        records = e.Records,
                        torn_tail_bytes = e.TornTailBytes,
                        corruption_offset = e.CorruptionOffset,
                        corruption = e.Corruption,
                    }).ToList(),
                }));
            }

            recorder.StartLoops();

            // The device's batch count tells what was published while no bridge was listening; those are asked for again.
            await recorder.PublishCommandAsync(new Command { Opcode = CommandOpcode.RequestStatus, CommandId = recorder.NextCommandId() }, cancellationToken);
            settings.Logger.LogInformation("resumed session of rig {Rig} in {Folder}: {Records} records in {Segments} segment(s) read back, writing {Segment}",
                settings.RigId, folder.Path, replay.Result.JournalRecords, replay.Result.JournalSegments, Path.GetFileName(folder.SegmentPath(number)));
            return recorder;
        }
        catch
        {
            // Refused or failed before recording started: the folder is left as it was, for the next attempt.
            folderLock.Dispose();
            throw;
        }
    }

    private static async Task SubscribeAsync(IRigLink link, RigTopics topics, CancellationToken cancellationToken)
    {
        // Subscribe before anything is published or awaited, so no reply and no batch can slip past.
        foreach (string topic in new[] { topics.Status, topics.Events, topics.Ack, topics.Sync })
        {
            await link.SubscribeAsync(topic, cancellationToken);
        }
    }

    private void StartLoops()
    {
        _startedTimestamp = _time.GetTimestamp();
        _nextSyncTimestamp = _startedTimestamp;
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
        var tcs = new TaskCompletionSource<Ack>(TaskCreationOptions.RunContinuationsAsynchronously);
        uint id;
        lock (_gate)
        {
            id = NextCommandId();
            _pending[id] = tcs;
        }

        command.CommandId = id;
        command.TargetBootId = BootId ?? 0;
        try
        {
            await PublishCommandAsync(command, cancellationToken);
            return await tcs.Task.WaitAsync(_options.CommandTimeout, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new CommandTimeoutException(OpcodeName(command.Opcode), id, _options.CommandTimeout);
        }
        finally
        {
            lock (_gate)
            {
                _pending.Remove(id);
            }
        }
    }

    /// <summary>
    /// Ends the session: asks the device for a fresh status (its batch count), waits until no batch is missing or
    /// the drain timeout passes, acknowledges, closes the journal and writes summary.json.
    /// </summary>
    public async Task<SessionResult> StopAsync(CancellationToken cancellationToken)
    {
        if (_stopped)
        {
            throw new InvalidOperationException("session already stopped");
        }

        _stopped = true;
        if (_failed.Task.IsCompleted)
        {
            var cause = await _failed.Task;
            throw new SessionRecordingException($"recording of {Folder} stopped early: {cause.Message}; the journal holds everything up to the failure", cause);
        }

        try
        {
            await SendCommandAsync(new Command { Opcode = CommandOpcode.RequestStatus }, cancellationToken);
        }
        catch (CommandTimeoutException e)
        {
            _logger.LogWarning("device did not answer the final status request: {Message}", e.Message);
        }

        // The status answer may arrive just after the acknowledgement: wait briefly for what it reveals.
        var drainStart = _time.GetTimestamp();
        bool drained;
        while (true)
        {
            int missing;
            lock (_gate)
            {
                missing = _decoder.RecoverableMissingBatches().Count;
            }

            drained = missing == 0;
            if (drained && _time.GetElapsedTime(drainStart) > _options.AckInterval * 2)
            {
                break;
            }

            if (_time.GetElapsedTime(drainStart) > _options.DrainTimeout)
            {
                _logger.LogWarning("{Missing} batch range(s) still missing after {Timeout}", missing, _options.DrainTimeout);
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), _time, cancellationToken);
        }

        await SendAcksAsync(cancellationToken);
        await _stop.CancelAsync();
        await Task.WhenAll(_receiveLoop, _housekeeping);
        SessionCounts counts;
        lock (_gate)
        {
            Mark("session_stop");
            counts = _decoder.Summarize();
        }

        await _journal.DisposeAsync();
        LatencySummary? latency;
        lock (_gate)
        {
            latency = _receiveToJournal.Summarize();
        }

        _folder.WriteSummary(new SessionSummaryFile(counts, _journal.RecordsWritten, _journal.BytesWritten, drained, latency, _journalSegment));

        return new SessionResult(Folder, counts, _journal.RecordsWritten, _journal.BytesWritten, drained, latency);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_receiveLoop, _housekeeping);
        }

        await _journal.DisposeAsync();
        _stop.Dispose();
        _lock.Dispose();
    }

    private static bool TryReadStatus(ReadOnlyMemory<byte> payload, out DeviceStatus status)
    {
        byte[] bytes = payload.ToArray();
        try
        {
            status = DeviceStatus.Read(new ByteReader(bytes, 0, bytes.Length));
            return true;
        }
        catch (ProtocolException)
        {
            // Not a valid status: the decoder counts it as malformed when it is journaled.
            status = default;
            return false;
        }
    }

    private static string OpcodeName(CommandOpcode opcode) => opcode.ToString();

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
    }

    private void OnMessage(LinkMessage message, long hostNanos)
    {
        var kind = _topics.Classify(message.Topic);
        TaskCompletionSource<Ack>? completed = null;
        Ack ack = default;
        lock (_gate)
        {
            // Raw bytes first: whatever happens next, the message is on the record.
            _journal.Append(JournalRecordType.Received, kind, hostNanos, message.Payload.Span);
            if (message.ReceivedTimestamp != 0)
            {
                // Measured on the stopwatch the link stamped with (a metric of this process, not session time).
                _receiveToJournal.Add((long)((Stopwatch.GetTimestamp() - message.ReceivedTimestamp) * (1e9 / Stopwatch.Frequency)));
            }

            _decoder.Process(new JournalRecord(JournalRecordType.Received, kind, hostNanos, message.Payload));
            NoteBoot();
            if (kind == TopicKind.Ack && TryReadAck(message.Payload, out ack) && _pending.TryGetValue(ack.CommandId, out completed))
            {
                _pending.Remove(ack.CommandId);
            }
        }

        completed?.TrySetResult(ack);
    }

    private bool TryReadAck(ReadOnlyMemory<byte> payload, out Ack ack)
    {
        byte[] bytes = payload.ToArray();
        _ackReader.Reset(bytes, 0, bytes.Length);
        try
        {
            ack = Ack.Read(_ackReader);
            return true;
        }
        catch (ProtocolException)
        {
            // Counted as malformed by the decoder.
            ack = default;
            return false;
        }
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
        long now = _time.GetTimestamp();
        if (now < Volatile.Read(ref _nextSyncTimestamp))
        {
            return;
        }

        bool fast = _time.GetElapsedTime(Volatile.Read(ref _startedTimestamp)) < _options.SyncFastPeriod;
        _nextSyncTimestamp = now + (long)((fast ? _options.SyncFastInterval : _options.SyncInterval).TotalSeconds * _time.TimestampFrequency);

        // The host send time travels in the request and comes back in the reply, so an exchange can be rebuilt from
        // the reply alone; the reply's journal time is the fourth timestamp.
        await PublishCommandAsync(new Command
        {
            Opcode = CommandOpcode.SyncRequest,
            CommandId = NextCommandId(),
            TargetBootId = BootId ?? 0,
            HostTime = (ulong)JournalWriter.HostNanos(_time),
        }, cancellationToken);
    }

    private async Task SendAcksAsync(CancellationToken cancellationToken)
    {
        uint boot;
        uint through;
        lock (_gate)
        {
            if (_decoder.CurrentBootId is not { } current || _decoder.ContiguousBatchThrough(current) is not { } c)
            {
                return;
            }

            if (_ackedBoot == current && _ackedThrough == c)
            {
                return;
            }

            boot = current;
            through = c;
        }

        // What is acknowledged must survive this process: the device forgets it once acknowledged. Written to the OS (not
        // synced: a SIGKILL keeps it, a power cut may take the last second, see docs/reliability.md).
        _journal.WriteToOperatingSystem();
        await PublishCommandAsync(new Command
        {
            Opcode = CommandOpcode.AckBatches,
            Flags = CommandFlags.NoAck,
            CommandId = NextCommandId(),
            TargetBootId = boot,
            BatchSeq = through,
        }, cancellationToken);
        lock (_gate)
        {
            _ackedBoot = boot;
            _ackedThrough = through;
        }
    }

    private async Task RequestMissingAsync(CancellationToken cancellationToken)
    {
        var requests = new List<Command>();
        long now = JournalWriter.HostNanos(_time);
        long grace = (long)_options.GapGrace.TotalMilliseconds * 1_000_000;
        long retry = (long)_options.ResendRetry.TotalMilliseconds * 1_000_000;
        lock (_gate)
        {
            var missing = _decoder.RecoverableMissingBatches();
            var still = new HashSet<(uint, ulong)>();
            foreach (var (boot, range) in missing)
            {
                if (boot != _decoder.CurrentBootId)
                {
                    // An earlier boot's device is gone; its gaps are reported, not requested.
                    continue;
                }

                var key = (boot, range.First);
                still.Add(key);
                if (!_gaps.TryGetValue(key, out var t))
                {
                    _gaps[key] = (now, 0);
                    continue;
                }

                if (now - t.FirstSeen < grace || (t.LastAsked != 0 && now - t.LastAsked < retry))
                {
                    continue;
                }

                _gaps[key] = (t.FirstSeen, now);
                requests.Add(new Command
                {
                    Opcode = CommandOpcode.ResendBatches,
                    CommandId = NextCommandId(),
                    TargetBootId = boot,
                    BatchSeq = (uint)range.First,
                    BatchCount = (ushort)Math.Min(range.Count, (ulong)_options.MaxBatchesPerResend),
                });
            }

            foreach (var key in new List<(uint, ulong)>(_gaps.Keys))
            {
                if (!still.Contains(key))
                {
                    _gaps.Remove(key);
                }
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

    private static byte[] EncodeCommand(Command command)
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
        using (var document = JsonDocument.Parse(json))
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("marker", out _))
            {
                throw new ArgumentException("a journal marker is a JSON object with a \"marker\" field", nameof(json));
            }
        }

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
        uint? boot = _decoder.CurrentBootId;
        if (boot is null || boot == _lastBoot)
        {
            return;
        }

        uint? previous = _lastBoot;
        _lastBoot = boot;
        if (previous is null)
        {
            return;
        }

        _logger.LogWarning("rig {Rig} rebooted: boot {Old:x8} -> {New:x8}; a new clock map starts", _topics.RigId, previous.Value, boot.Value);
        MarkJson(JsonSerializer.SerializeToUtf8Bytes(new { marker = "device_rebooted", previous_boot_id = previous.Value, boot_id = boot.Value }));
        long now = _time.GetTimestamp();
        Volatile.Write(ref _startedTimestamp, now);
        Volatile.Write(ref _nextSyncTimestamp, now);
    }

    private void Mark(string what) => MarkJson(JsonSerializer.SerializeToUtf8Bytes(new { marker = what }));

    private void MarkJson(byte[] json)
    {
        long hostNanos = JournalWriter.HostNanos(_time);
        _journal.Append(JournalRecordType.Marker, TopicKind.Unknown, hostNanos, json);
        _decoder.Process(new JournalRecord(JournalRecordType.Marker, TopicKind.Unknown, hostNanos, json));
    }
}
