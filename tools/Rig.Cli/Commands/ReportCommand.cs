using System;
using System.CommandLine;
using System.Threading;
using System.Threading.Tasks;
using Rig.Analysis.Reports;

namespace Rig.Cli.Commands;

/// <summary>`rig report`: PNG plots of sessions (lick rasters, first-lick histogram, learning curves per mouse).</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var sessions = new Argument<string[]>("session")
        {
            Description = "Session folders (with derived/task.json from a protocol run), or folders holding sessions: searched below, other files passed over with a note",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--out") { Description = "Folder to write the PNGs into (created if missing; existing files are never overwritten)", Required = true };
        var json = CommonOptions.Json();
        var command = new Command("report", "Plot sessions: lick rasters by position, first-lick histogram, learning curves across days") { sessions, output, json };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(sessions)!, parse.GetValue(output)!, parse.GetValue(json), ct));
        return command;
    }

    private static async Task<int> RunAsync(string[] sessions, string output, bool json, CancellationToken ct)
    {
        try
        {
            var inputs = Rig.Analysis.Export.ExportInputs.Expand(sessions);
            foreach (string note in inputs.Skipped)
            {
                await Console.Error.WriteLineAsync("rig report: note: passed over " + note);
            }

            var report = await Task.Run(() => BehaviourReport.Write(inputs.Sessions, output, new SyncProgress(Console.Error, "rig report: ")), ct);
            if (json)
            {
                SummaryPrinter.PrintJson(Console.Out, new { files = report.Files, notes = report.Notes, learning = report.Learning });
            }
            else
            {
                foreach (string file in report.Files)
                {
                    Console.WriteLine("wrote " + file);
                }

                foreach (string note in report.Notes)
                {
                    Console.WriteLine("note: " + note);
                }
            }

            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return await CliErrors.ReportAsync("report", e);
        }
    }
}
