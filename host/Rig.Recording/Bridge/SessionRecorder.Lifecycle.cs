using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Rig.Recording.Sessions;
using Rig.Protocol;

namespace Rig.Recording.Bridge;

/// <summary>The recorder's life: starting a new session or resuming one, stopping it (drain, final acknowledgement, summary), disposing.</summary>
public sealed partial class SessionRecorder
{
    /// <summary>
    /// Subscribes to the rig's topics, waits for its status, creates the session folder (never an existing one), writes the
    /// header, takes the folder's recording lock and starts recording. The link must be connected.
    /// </summary>
    public static async Task<SessionRecorder> StartAsync(RecorderSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var opened = await SessionOpening.CreateAsync(settings, cancellationToken);
        var recorder = new SessionRecorder(settings, opened.Folder, opened.Folder.Lock("the recorder of rig " + settings.RigId), 1,
            new SessionDecoder(settings.RigId, settings.Sink, RewardVolumes.For(settings.Info.Calibration, settings.Info.RewardDoses)));
        recorder.Mark("session_start");
        lock (recorder._gate)
        {
            recorder.JournalSent(opened.StatusRequest, opened.StatusRequestNanos);
        }

        foreach (var (message, hostNanos) in opened.Early)
        {
            recorder.OnMessage(message, hostNanos);
        }

        recorder.NoteRefused(opened.RefusedTopics);

        recorder.StartLoops();
        settings.Logger.LogInformation("recording rig {Rig} (boot {Boot:x8}, firmware {Firmware}) into {Folder}", settings.RigId,
            opened.Status.BootId, opened.Status.FirmwareVersion, opened.Folder.Path);
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
        var (folder, folderLock) = SessionOpening.OpenToResume(settings);
        try
        {
            var replay = settings.Sink is null ? folder.Replay() : folder.Replay(settings.Sink);
            var refused = await SessionOpening.SubscribeAsync(settings.Link, new RigTopics(settings.RigId), cancellationToken);
            int number = replay.Result.JournalSegments + 1;
            var recorder = new SessionRecorder(settings, folder, folderLock, number, replay.Decoder);
            long now = JournalWriter.HostNanos(settings.Time);
            lock (recorder._gate)
            {
                recorder._boots.Assume(replay.Decoder.CurrentBootId);
                recorder.MarkJson(JournalMarkers.Resumed(number, replay.Result, now));
            }

            recorder.NoteRefused(refused);
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
            string closed = await CloseFailedAsync(cause);
            throw new SessionRecordingException($"recording of {Folder} stopped early: {cause.Message}; the journal holds everything up to the failure; {closed}", cause);
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
        var drain = new DrainWatch(_options, _time);
        bool drained;
        while (true)
        {
            int missing;
            lock (_gate)
            {
                missing = _decoder.RecoverableMissingBatches().Count;
            }

            drained = missing == 0;
            var state = drain.Check(missing);
            if (state == DrainState.TimedOut)
            {
                _logger.LogWarning("{Missing} batch range(s) still missing after {Timeout}", missing, _options.DrainTimeout);
            }

            if (state != DrainState.Waiting)
            {
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

        _folder.WriteSummary(new SessionSummaryFile(counts, _journal.RecordsWritten, _journal.BytesWritten, drained, latency, _journalSegment, _summarySections?.Invoke()));

        return new SessionResult(Folder, counts, _journal.RecordsWritten, _journal.BytesWritten, drained, latency);
    }

    /// <summary>
    /// Closes a session whose recording failed: the loops stopped, the journal closed, and summary.json written with the
    /// cause, so the folder says what happened and how far it got. Each step is tried even if an earlier one failed (a full
    /// disk may refuse the marker yet let the summary through); what failed is said in the returned text and the log.
    /// </summary>
    private async Task<string> CloseFailedAsync(Exception cause)
    {
        string failure = $"{cause.GetType().Name}: {cause.Message}";
        var problems = new List<string>();
        await _stop.CancelAsync();
        await Task.WhenAll(_receiveLoop, _housekeeping);
        SessionCounts counts;
        lock (_gate)
        {
            counts = _decoder.Summarize();
            try
            {
                MarkJson(JournalMarkers.RecordingFailed(failure));
            }
            catch (JournalWriteException e)
            {
                problems.Add("the failure marker was not journaled: " + e.Message);
            }
        }

        try
        {
            await _journal.DisposeAsync();
        }
        catch (Exception e) when (e is JournalWriteException or IOException)
        {
            problems.Add("the journal did not close cleanly: " + e.Message);
        }

        LatencySummary? latency;
        lock (_gate)
        {
            latency = _receiveToJournal.Summarize();
        }

        try
        {
            _folder.WriteSummary(new SessionSummaryFile(counts, _journal.RecordsWritten, _journal.BytesWritten, Drained: false, latency,
                _journalSegment, _summarySections?.Invoke(), failure));
        }
        catch (IOException e)
        {
            problems.Add("summary.json could not be written: " + e.Message);
        }

        foreach (string problem in problems)
        {
            _logger.LogError("closing the failed session: {Problem}", problem);
        }

        return problems.Count == 0 ? "summary.json names the cause" : string.Join("; ", problems);
    }

    // A frame topic the broker refused: the session records without those frames, which the journal and the log say.
    private void NoteRefused(IReadOnlyList<(string Topic, string Reason)> refused)
    {
        foreach (var (topic, reason) in refused)
        {
            _logger.LogWarning("not recording {Topic}: {Reason}", topic, reason);
            lock (_gate)
            {
                MarkJson(JournalMarkers.SubscriptionRefused(topic, reason));
            }
        }
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
}
