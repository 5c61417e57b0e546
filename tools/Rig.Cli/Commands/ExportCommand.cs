using System;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Rig.Analysis.Export;
using Rig.Analysis.Export.Nwb;

namespace Rig.Cli.Commands;

/// <summary>`rig export`: the zhong2025 NumPy files, the plain tables or NWB files of one or more sessions (docs/export.md).</summary>
internal static class ExportCommand
{
    public const string Zhong2025 = "zhong2025";
    public const string Tables = "tables";
    public const string Nwb = "nwb";

    public static Command Create()
    {
        var sessions = new Argument<string[]>("session")
        {
            Description = "Session folders (with derived/task.json from a protocol run), or folders holding sessions (a cohort, a day): searched below, other files passed over with a note",
            Arity = ArgumentArity.OneOrMore,
        };
        var format = new Option<string>("--format")
        {
            Description = "zhong2025: Beh_<type>.npy + Imaging_Exp_info.npy for np.load; tables: CSV per session for pandas; nwb: one NWB 2.6 file per session",
            Required = true,
        };
        format.AcceptOnlyFromAmong(Zhong2025, Tables, Nwb);
        var output = new Option<string>("--out") { Description = "Folder to write into (created if missing; existing files are never overwritten)", Required = true };
        var name = new Option<string?>("--name") { Description = "zhong2025: put every session into one group file Beh_NAME.npy (default: one file per experiment type)" };
        var groups = new Option<string[]>("--group")
        {
            Description = "zhong2025: one file per named list of mice, NAME=MOUSE,MOUSE,... (repeat for each group; every session's mouse must be in one)",
            AllowMultipleArgumentsPerToken = false,
        };
        var json = CommonOptions.Json();
        var command = new Command("export", "Export sessions for analysis: the zhong2025 NumPy format, plain CSV tables or Neurodata Without Borders (NWB 2.6) files") { sessions, format, output, name, groups, json };
        command.Validators.Add(CommonOptions.CrossCheck(result =>
        {
            if (result.GetValue(name) is not null && result.GetValue(groups) is { Length: > 0 })
            {
                result.AddError("--name and --group contradict each other: give one");
            }

            if ((result.GetValue(name) is not null || result.GetValue(groups) is { Length: > 0 }) && result.GetValue(format) != Zhong2025)
            {
                result.AddError("--name and --group group the zhong2025 files; other formats write one output per session");
            }
        }));
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(sessions)!, parse.GetValue(format)!, parse.GetValue(output)!, parse.GetValue(json),
            parse.GetValue(name), parse.GetValue(groups) ?? [], ct));
        return command;
    }

    private static async Task<int> RunAsync(string[] given, string format, string output, bool json, string? name, string[] groups, CancellationToken ct)
    {
        try
        {
            var c = CultureInfo.InvariantCulture;
            var grouping = name is not null ? ExportGrouping.Named(name)
                : groups.Length > 0 ? ExportGrouping.ByMice([.. groups.Select(ExportGrouping.ParseMouseList)])
                : ExportGrouping.ByExperimentType;
            var inputs = ExportInputs.Expand(given);
            foreach (string note in inputs.Skipped)
            {
                await Console.Error.WriteLineAsync("rig export: note: passed over " + note);
            }

            var sessions = inputs.Sessions;
            if (format == Zhong2025)
            {
                var result = await Task.Run(() => Zhong2025Export.Write(sessions, output, new SyncProgress(Console.Error, "rig export: "), grouping), ct);
                if (json)
                {
                    SummaryPrinter.PrintJson(Console.Out, new
                    {
                        format,
                        files = result.Files,
                        grouping = grouping.Description,
                        passed_over = inputs.Skipped,
                        sessions = result.Sessions.Select(s => new { key = s.Key, group = s.Group, experiment_type = s.ExperimentType, folder = s.Folder, counts = s.Counts }),
                    });
                }
                else
                {
                    foreach (var s in result.Sessions)
                    {
                        var n = s.Counts;
                        Console.WriteLine(string.Create(c, $"{s.Key} ({s.ExperimentType}{(s.Group == s.ExperimentType ? "" : ", group " + s.Group)}): {n.Trials} trials ({n.Rewards} rewarded), {n.Licks} licks, {n.Frames} frames; left out: {n.IncompleteTrialsLeftOut} incomplete trial(s), {n.LicksOutsideTrialsLeftOut} lick(s) outside trials; {n.FramesFilled} missing frame(s) filled, {n.PositionsClamped} position(s) at the corridor end, {n.EstimatedHostTimes} time(s) mapped from device time"));
                    }

                    foreach (string file in result.Files)
                    {
                        Console.WriteLine("wrote " + file);
                    }
                }
            }
            else if (format == Nwb)
            {
                var files = await Task.Run(() => NwbExport.Write(sessions, output, TimeProvider.System, new SyncProgress(Console.Error, "rig export: ")), ct);
                if (json)
                {
                    SummaryPrinter.PrintJson(Console.Out, new
                    {
                        format,
                        sessions = files.Select(f => new { key = f.Key, folder = f.Folder, file = f.File, bytes = f.Bytes, trials = f.Trials, licks = f.Licks, frames = f.Frames, events = f.Events, notes = f.Notes }),
                    });
                }
                else
                {
                    foreach (var f in files)
                    {
                        Console.WriteLine(string.Create(c, $"{f.Key}: {f.Trials} trials, {f.Licks} licks, {f.Frames} frames, {f.Events} events -> {f.File} ({f.Bytes} bytes)"));
                        foreach (string note in f.Notes)
                        {
                            Console.WriteLine("  note: " + note);
                        }
                    }
                }
            }
            else
            {
                var written = await Task.Run(() => TablesExport.Write(sessions, output, new SyncProgress(Console.Error, "rig export: ")), ct);
                if (json)
                {
                    SummaryPrinter.PrintJson(Console.Out, new { format, sessions = written });
                }
                else
                {
                    foreach (var s in written)
                    {
                        Console.WriteLine(string.Create(c, $"{s.Key}: {s.Trials} trials, {s.Licks} licks, {s.Frames} frames, {s.Events} events -> {s.Folder}"));
                        foreach (string note in s.Notes)
                        {
                            Console.WriteLine("  note: " + note);
                        }
                    }
                }
            }

            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return await CliErrors.ReportAsync("export", e);
        }
    }
}

/// <summary>Progress lines written at once, in order, on the calling thread (Progress&lt;T&gt; would post them to the thread pool).</summary>
internal sealed class SyncProgress(System.IO.TextWriter writer, string prefix) : IProgress<string>
{
    public void Report(string value) => writer.WriteLine(prefix + value);
}
