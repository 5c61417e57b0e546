using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Rig.Host.Decoding;

namespace Rig.Cli.Commands;

/// <summary>`rig decode`: re-decodes a session from its journal alone, with the bridge's own decoder.</summary>
internal static class DecodeCommand
{
    public static Command Create()
    {
        var session = new Argument<string>("session") { Description = "Session folder (holds session.json and journal.rigj)" };
        var json = CommonOptions.Json();
        var command = new Command("decode", "Re-decode a recorded session from its journal and print its counts") { session, json };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(session)!, parse.GetValue(json), ct));
        return command;
    }

    private static async Task<int> RunAsync(string folder, bool json, CancellationToken ct)
    {
        try
        {
            var result = await Task.Run(() => SessionReplay.Decode(folder), ct);
            if (json)
            {
                SummaryPrinter.PrintJson(Console.Out, new
                {
                    session = result.Folder,
                    header = result.Header,
                    journal = new { records = result.JournalRecords, torn_tail_bytes = result.TornTailBytes, corruption_offset = result.CorruptionOffset, corruption_reason = result.CorruptionReason },
                    decoded = result.Counts,
                });
            }
            else
            {
                var c = CultureInfo.InvariantCulture;
                SummaryPrinter.PrintCounts(Console.Out, $"session {result.Folder} (re-decoded)", result.Counts, new List<(string, string)>
                {
                    ("rig", $"{result.Header.RigId} (boot {result.Header.BootId:x8}, firmware {result.Header.FirmwareVersion})"),
                    ("started", result.Header.StartedUtc.ToString("u", c)),
                    ("journal records", result.JournalRecords.ToString("N0", c)),
                    ("torn tail", result.TornTailBytes == 0 ? "none" : $"{result.TornTailBytes} bytes (a crash mid-write; earlier records intact)"),
                    ("corruption", result.CorruptionOffset is { } at ? $"at byte {at}: {result.CorruptionReason}" : "none"),
                });
            }

            if (result.CorruptionOffset is not null)
            {
                return ExitCodes.JournalUnreadable;
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
