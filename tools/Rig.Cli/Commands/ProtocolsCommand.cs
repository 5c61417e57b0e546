using System;
using System.CommandLine;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Rig.Experiment.Tasks;

namespace Rig.Cli.Commands;

/// <summary>`rig protocols list|show NAME`: the protocols shipped inside rig (embedded, so found wherever rig is installed).</summary>
internal static class ProtocolsCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var list = new Command("list", "List the shipped protocols: name, experiment type, description") { json };
        list.SetAction((parse, ct) => ListAsync(parse.GetValue(json), ct));

        var name = new Argument<string>("name") { Description = "A shipped protocol's name (see rig protocols list)" };
        var show = new Command("show", "Print a shipped protocol's file, to read it or to copy it as the start of your own") { name };
        show.SetAction((parse, ct) => ShowAsync(parse.GetValue(name)!, ct));

        return new Command("protocols", "The task protocols shipped with rig (docs/task.md); rig demo/run/cohort --protocol take these names") { list, show };
    }

    private static async Task<int> ListAsync(bool json, CancellationToken ct)
    {
        try
        {
            var protocols = ShippedProtocols.Names.Select(n => ProtocolLoader.Parse(ShippedProtocols.TryGetBytes(n)!, ShippedProtocols.Label(n))).ToList();
            if (json)
            {
                SummaryPrinter.PrintJson(Console.Out, protocols.Select(p => new { name = p.Name, experiment_type = p.ExperimentType, description = p.Description, sha256 = p.Sha256 }));
                return ExitCodes.Ok;
            }

            int width = protocols.Max(p => p.Name.Length);
            int typeWidth = protocols.Max(p => p.ExperimentType.Length);
            foreach (var p in protocols)
            {
                ct.ThrowIfCancellationRequested();
                await Console.Out.WriteLineAsync($"{p.Name.PadRight(width)}  {p.ExperimentType.PadRight(typeWidth)}  {p.Description}");
            }

            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return await CliErrors.ReportAsync("protocols list", e);
        }
    }

    private static async Task<int> ShowAsync(string name, CancellationToken ct)
    {
        try
        {
            if (ShippedProtocols.TryGetBytes(name) is not { } bytes)
            {
                await Console.Error.WriteLineAsync($"rig protocols show: no shipped protocol is named '{name}'; shipped: {string.Join(", ", ShippedProtocols.Names)}");
                return ExitCodes.ProtocolInvalid;
            }

            await Console.Out.WriteAsync(Encoding.UTF8.GetString(bytes).AsMemory(), ct);
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return await CliErrors.ReportAsync("protocols show", e);
        }
    }
}
