using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Rig.Recording.Link;
using Rig.Recording.Sessions;
using Rig.Protocol;

namespace Rig.Recording.Bridge;

/// <summary>
/// A new session folder, created once the device answered: its online status, the status request that was sent (to be
/// journaled first) and every message that arrived while waiting, with its receipt time (to be journaled after it).
/// </summary>
internal sealed record NewSession(SessionFolder Folder, DeviceStatus Status, byte[] StatusRequest, long StatusRequestNanos,
    IReadOnlyList<(LinkMessage Message, long HostNanos)> Early, IReadOnlyList<(string Topic, string Reason)> RefusedTopics);

/// <summary>What happens before recording begins: subscribing, finding the device, creating or reopening the session folder.</summary>
internal static class SessionOpening
{
    /// <summary>
    /// Subscribes to the rig's topics, asks for a fresh status and waits for the online one, then creates the session
    /// folder (never an existing one) with its header.
    /// </summary>
    public static async Task<NewSession> CreateAsync(RecorderSettings settings, CancellationToken cancellationToken)
    {
        var (link, time, options, info) = (settings.Link, settings.Time, settings.Options, settings.Info);
        var topics = new RigTopics(settings.RigId);
        string path = Path.GetFullPath(settings.Folder);
        if (Directory.Exists(path) || File.Exists(path))
        {
            // Said before waiting for the device, so a mistyped --out fails at once.
            throw new SessionFolderExistsException(path);
        }

        var refused = await SubscribeAsync(link, topics, cancellationToken);

        // Ask for a fresh status as well as relying on the retained one: a retained message published while we
        // subscribe can be missed by a broker, and one that restarted without persistence has none.
        uint requestId = (uint)Random.Shared.Next(1, int.MaxValue);
        var statusRequest = SessionRecorder.EncodeCommand(new Command { Opcode = CommandOpcode.RequestStatus, CommandId = requestId });
        long statusRequestNanos = JournalWriter.HostNanos(time);
        await link.PublishAsync(topics.Command, statusRequest, retain: false, cancellationToken);

        // The status tells who the device is before the header is written, and the device's acknowledgement of the request
        // shows it is alive: a retained Online status outlives its device (a power cut before the will was published, a
        // broker that persisted it), and a session started on it alone would record nothing. The status taken is the
        // Online one of the boot that answered. What arrives meanwhile is kept.
        var early = new List<(LinkMessage Message, long HostNanos)>();
        var online = new Dictionary<uint, DeviceStatus>();
        uint? answeredBy = null;
        uint? lastOnline = null;
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
                    var kind = topics.Classify(message.Topic);
                    if (kind == TopicKind.Status && TryReadStatus(message.Payload, out var s) && s.State == DeviceState.Online)
                    {
                        online[s.BootId] = s;
                        lastOnline = s.BootId;
                    }
                    else if (kind == TopicKind.Ack && TryReadAck(message.Payload, out var ack) && ack.CommandId == requestId)
                    {
                        answeredBy = ack.BootId;
                    }

                    if (answeredBy is { } boot && online.TryGetValue(boot, out var live))
                    {
                        status = live;
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new DeviceNotFoundException(settings.RigId, info.Broker, options.DeviceWaitTimeout, answeredBy is null ? lastOnline : null);
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
            Subject: info.Subject,
            RewardDoses: info.RewardDoses,
            Insecure: info.Insecure,
            ImagingFrameRateHz: info.ImagingFrameRateHz));
        return new NewSession(folder, status.Value, statusRequest, statusRequestNanos, early, refused);
    }

    /// <summary>
    /// Opens a session folder to resume and takes its recording lock; refuses (releasing the lock) a folder that is not a
    /// session, one that was closed, and one that records another rig.
    /// </summary>
    public static (SessionFolder Folder, SessionLock Lock) OpenToResume(RecorderSettings settings)
    {
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

            return (folder, folderLock);
        }
        catch
        {
            // Refused: the folder is left as it was, for the next attempt.
            folderLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Subscribes to the device's topics (a refusal ends the start) and to the VR frame topics (a refusal is returned: the
    /// session records without frames, and says so in a journal marker and the log).
    /// </summary>
    /// <returns>The frame topics the broker refused, with the reason.</returns>
    public static async Task<IReadOnlyList<(string Topic, string Reason)>> SubscribeAsync(IRigLink link, RigTopics topics, CancellationToken cancellationToken)
    {
        // Subscribe before anything is published or awaited, so no reply and no batch can slip past.
        foreach (string topic in new[] { topics.Status, topics.Events, topics.Ack, topics.Sync })
        {
            await link.SubscribeAsync(topic, cancellationToken);
        }

        var refused = new List<(string Topic, string Reason)>();
        foreach (string topic in new[] { new RecordedTopics(topics.RigId).VrFrame, RecordedTopics.GimblFrame })
        {
            try
            {
                await link.SubscribeAsync(topic, cancellationToken);
            }
            catch (LinkRejectedException e)
            {
                // A broker whose ACL predates the VR topics (rig broker-config writes them now) must not stop a recording.
                refused.Add((topic, e.Message));
            }
        }

        return refused;
    }

    private static bool TryReadAck(ReadOnlyMemory<byte> payload, out Ack ack)
    {
        byte[] bytes = payload.ToArray();
        try
        {
            ack = Ack.Read(new ByteReader(bytes, 0, bytes.Length));
            return true;
        }
        catch (ProtocolException)
        {
            // Not a valid ack: the decoder counts it as malformed when it is journaled.
            ack = default;
            return false;
        }
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
}
