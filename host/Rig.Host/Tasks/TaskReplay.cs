using System;
using System.IO;
using System.Text.Json;
using Rig.Host.Bridge;
using Rig.Host.Decoding;
using Rig.Host.Journal;
using Rig.Protocol;

namespace Rig.Host.Tasks;

/// <summary>
/// Rebuilds a session's task tables from its journal alone: the task markers the engine journaled and the events the
/// device sent, through the same <see cref="TaskTableBuilder"/> the live engine fed.
/// </summary>
public static class TaskReplay
{
    /// <summary>True when the journal of <paramref name="sessionFolder"/> holds a task plan (the session ran a protocol).</summary>
    public static bool HasTask(string sessionFolder)
    {
        using var reader = JournalReader.Open(Path.Combine(sessionFolder, SessionRecorder.JournalFile));
        while (reader.TryRead(out var record))
        {
            if (record.Type == JournalRecordType.Marker && TaskMarker.TryParse(record.Payload.Span) is { Event: TaskMarker.Plan })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Reads the journal and builds the tables; host times come from the boot's clock map.</summary>
    public static TaskSessionTables Rebuild(string sessionFolder, string mouse, DateOnly sessionDate, int block)
    {
        sessionFolder = Path.GetFullPath(sessionFolder);
        string headerPath = Path.Combine(sessionFolder, SessionRecorder.HeaderFile);
        if (!File.Exists(headerPath))
        {
            throw new FileNotFoundException($"'{sessionFolder}' is not a session folder: {SessionRecorder.HeaderFile} is missing", headerPath);
        }

        SessionHeader header;
        using (var stream = File.OpenRead(headerPath))
        {
            header = JsonSerializer.Deserialize<SessionHeader>(stream, SessionRecorder.Json)
                ?? throw new JournalFormatException($"{headerPath}: empty session header");
        }

        var builder = new TaskTableBuilder();
        var sink = new BuilderSink(builder);
        var decoder = new SessionDecoder(header.RigId, sink, RewardVolumes.For(header.Calibration));
        using (var reader = JournalReader.Open(Path.Combine(sessionFolder, SessionRecorder.JournalFile)))
        {
            while (reader.TryRead(out var record))
            {
                if (record.Type == JournalRecordType.Marker && TaskMarker.TryParse(record.Payload.Span) is { } marker)
                {
                    builder.OnMarker(marker);
                }

                decoder.Process(record);
            }
        }

        if (builder.PlanMarker is null)
        {
            throw new InvalidDataException($"{sessionFolder}: the journal holds no task plan (the session was not run with a protocol)");
        }

        var clock = sink.Boot is { } boot ? decoder.ClockOf(boot) : null;
        return builder.Build(mouse, sessionDate, block, micros => clock?.ToHost(micros) is { } h ? (long)Math.Round(h.HostNanos) : null);
    }

    private sealed class BuilderSink(TaskTableBuilder builder) : IEventSink
    {
        public uint? Boot { get; private set; }

        public void OnEvents(uint bootId, ulong firstEventSeq, ReadOnlySpan<EventRecord> records, long hostNanos)
        {
            Boot ??= bootId;
            builder.OnEvents(bootId, records);
        }
    }
}
