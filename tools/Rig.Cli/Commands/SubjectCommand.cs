using System;
using System.CommandLine;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Sessions;

namespace Rig.Cli.Commands;

/// <summary>`rig subject add|weigh|show|list`: the lab's subject registry (SubjectRegistry; docs/task.md).</summary>
internal static class SubjectCommand
{
    /// <summary>`--subjects DIR`: the registry folder (default ./subjects, or RIG_SUBJECTS).</summary>
    public static Option<string?> FolderOption() => new("--subjects")
    {
        Description = "The subject registry folder (default: $RIG_SUBJECTS, else ./subjects)",
    };

    public static SubjectRegistry Registry(string? folder) =>
        new(folder ?? Environment.GetEnvironmentVariable("RIG_SUBJECTS") ?? SubjectRegistry.DefaultFolder);

    public static Command Create()
    {
        var folder = FolderOption();
        var id = new Argument<string>("id") { Description = "The mouse's id, as --mouse names it in sessions" };
        var sex = new Option<string>("--sex") { Description = "M, F, U (unknown) or O (other)", Required = true };
        sex.AcceptOnlyFromAmong("M", "F", "U", "O");
        var born = new Option<DateOnly?>("--date-of-birth") { Description = "YYYY-MM-DD" };
        var strain = new Option<string?>("--strain") { Description = "Strain or line, e.g. C57BL/6J" };
        var species = new Option<string?>("--species") { Description = "Latin binomial (exports write Mus musculus when not given)" };
        var add = new Command("add", "Add a mouse to the registry (an existing entry is never written over)") { id, sex, born, strain, species, folder };
        add.SetAction((parse, ct) => RunAsync("add", () =>
        {
            var r = Registry(parse.GetValue(folder));
            var record = r.Add(parse.GetValue(id)!, parse.GetValue(sex)!, parse.GetValue(born), parse.GetValue(strain), parse.GetValue(species), Today());
            Console.WriteLine($"added {record.Id} to {r.Folder}");
        }, ct));

        var weighId = new Argument<string>("id") { Description = "The mouse's id" };
        var grams = new Option<double>("--grams") { Description = "The mouse's weight today, g", Required = true };
        var water = new Option<double?>("--water-ml") { Description = "Water given outside the rig that day, mL" };
        var date = new Option<DateOnly?>("--date") { Description = "The day of the weighing (YYYY-MM-DD; default today)" };
        var weigh = new Command("weigh", "Log a mouse's weight (and water given outside the rig) for a day; sessions that day record it") { weighId, grams, water, date, folder };
        weigh.SetAction((parse, ct) => RunAsync("weigh", () =>
        {
            var r = Registry(parse.GetValue(folder));
            var day = parse.GetValue(date) ?? Today();
            var record = r.Weigh(parse.GetValue(weighId)!, day, parse.GetValue(grams), parse.GetValue(water));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{record.Id} on {day:yyyy-MM-dd}: {parse.GetValue(grams)} g ({record.Weighings.Count} weighings in {r.Folder})"));
        }, ct));

        var showId = new Argument<string>("id") { Description = "The mouse's id" };
        var json = CommonOptions.Json();
        var show = new Command("show", "Print a mouse's entry: facts and weighings") { showId, folder, json };
        show.SetAction((parse, ct) => RunAsync("show", () =>
        {
            var r = Registry(parse.GetValue(folder));
            string name = parse.GetValue(showId)!;
            var record = r.Find(name) ?? throw new SubjectRegistryException($"subject '{name}' is not in {r.Folder} (rig subject list)");
            if (parse.GetValue(json))
            {
                SummaryPrinter.PrintJson(Console.Out, record);
                return;
            }

            var c = CultureInfo.InvariantCulture;
            Console.WriteLine($"{record.Id}: sex {record.Sex}, born {record.DateOfBirth?.ToString("yyyy-MM-dd", c) ?? "unknown"}, strain {record.Strain ?? "unknown"}, species {record.Species ?? "Mus musculus"}");
            foreach (var w in record.Weighings)
            {
                Console.WriteLine(string.Create(c, $"  {w.Date:yyyy-MM-dd}  {w.WeightGrams:0.0} g{(w.WaterOutsideRigMl is { } ml ? $", {ml:0.00} mL outside the rig" : "")}"));
            }
        }, ct));

        var list = new Command("list", "List the mice in the registry") { folder };
        list.SetAction((parse, ct) => RunAsync("list", () =>
        {
            var r = Registry(parse.GetValue(folder));
            foreach (var record in r.List())
            {
                var last = record.Weighings.Count == 0 ? null : record.Weighings[^1];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{record.Id}  {record.Sex}  {record.Strain ?? "-"}  {(last is null ? "never weighed" : $"{last.WeightGrams:0.0} g on {last.Date:yyyy-MM-dd}")}"));
            }
        }, ct));

        return new Command("subject", "The lab's subject registry: mice, their facts and daily weights, recorded in each session of the mouse") { add, weigh, show, list };
    }

    /// <summary>Today as the lab's calendar counts it (local time).</summary>
    public static DateOnly Today() => DateOnly.FromDateTime(TimeProvider.System.GetLocalNow().DateTime);

    private static async Task<int> RunAsync(string verb, Action action, CancellationToken ct)
    {
        try
        {
            ct.ThrowIfCancellationRequested();
            action();
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return await CliErrors.ReportAsync("subject " + verb, e);
        }
    }
}
