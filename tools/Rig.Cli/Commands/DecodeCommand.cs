using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Rig.Analysis.Derivation;
using Rig.Recording.Sessions;

namespace Rig.Cli.Commands;

/// <summary>`rig decode`: re-decodes a session from its journal alone, with the bridge's own decoder.</summary>
internal static class DecodeCommand
{
    public static Command Create()
    {
        var session = new Argument<string>("session") { Description = "Session folder (holds session.json and journal.rigj)" };
        var json = CommonOptions.Json();
        var export = new Option<string?>("--export")
        {
            Description = "Also write the derived tables (aligned_events.csv, frames.csv, and the task tables of a protocol session) into this new folder",
        };
        var command = new Command("decode", "Re-decode a recorded session from its journal and print its counts") { session, json };
        command.Add(export);
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(session)!, parse.GetValue(json), parse.GetValue(export), ct));
        return command;
    }

    private static async Task<int> RunAsync(string folder, bool json, string? exportFolder, CancellationToken ct)
    {
        try
        {
            var session = SessionFolder.Open(folder);
            // With --export, the one derivation pass is also the decode; without it, the decode alone.
            var derivation = exportFolder is null ? null : await Task.Run(() => SessionDerivation.Derive(session, exportFolder), ct);
            var result = derivation?.Replay ?? await Task.Run(() => session.Replay().Result, ct);
            var derived = derivation?.Alignment.Summary;

            // summary.json is written once, when the recorder closes the session: without it the recording ended in a
            // crash or a kill, which a decode must say rather than pass as a finished session.
            bool closed = File.Exists(Path.Combine(result.Folder, SessionFolder.SummaryFile));
            if (json)
            {
                SummaryPrinter.PrintJson(Console.Out, new
                {
                    session = result.Folder,
                    closed,
                    header = result.Header,
                    journal = new { records = result.JournalRecords, segments = result.JournalSegments, torn_tail_bytes = result.TornTailBytes, corruption_offset = result.CorruptionOffset, corruption_reason = result.CorruptionReason },
                    decoded = result.Counts,
                    derived,
                });
            }
            else
            {
                var c = CultureInfo.InvariantCulture;
                SummaryPrinter.PrintCounts(Console.Out, $"session {result.Folder} (re-decoded)", result.Counts, new List<(string, string)>
                {
                    ("rig", $"{result.Header.RigId} (boot {result.Header.BootId:x8}, firmware {result.Header.FirmwareVersion})"),
                    ("started", result.Header.StartedUtc.ToString("u", c)),
                    ("closed", closed ? "yes (summary.json written)" : "NO: the recorder never closed it (a crash or a kill); rig run --resume continues it"),
                    ("journal records", result.JournalRecords.ToString("N0", c)),
                    ("torn tail", result.TornTailBytes == 0 ? "none" : $"{result.TornTailBytes} bytes (a crash mid-write; earlier records intact)"),
                    ("corruption", result.CorruptionOffset is { } at ? $"at byte {at}: {result.CorruptionReason}" : "none"),
                    ("derived tables", derived is null ? "not written (--export DIR writes them)" : $"{derived.Folder}: {derived.Events:N0} events, {derived.Frames:N0} frames, {derivation!.Alignment.VrFrames.Count:N0} VR frames"
                        + (derivation?.Task is { } t ? $", task tables ({t.Trials.Count} trials, mouse {t.Info.Mouse})" : "")),
                });
            }

            if (result.CorruptionOffset is not null)
            {
                return ExitCodes.JournalUnreadable;
            }

            if (!closed)
            {
                await Console.Error.WriteLineAsync($"rig decode: {result.Folder} was never closed (no {SessionFolder.SummaryFile}): the recording ended in a crash or a kill; "
                    + "everything journaled is decoded above");
                return ExitCodes.SessionIncomplete;
            }

            return result.Counts.MissingBatches == 0 && result.Counts.UnexplainedMissingEvents == 0 ? ExitCodes.Ok : ExitCodes.SessionIncomplete;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Every failure ends as one clear line and its documented exit code, never a stack trace.
            return await CliErrors.ReportAsync("decode", e);
        }
    }
}
