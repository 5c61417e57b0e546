using System;
using System.CommandLine;
using System.Threading.Tasks;
using Rig.Cli.Commands;

namespace Rig.Cli;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("Rig: behaviour-rig controller for head-fixed mouse VR with two-photon imaging.")
        {
            DemoCommand.Create(),
            RunCommand.Create(),
            SimCommand.Create(),
            BrokerCommand.Create(),
            DecodeCommand.Create(),
            FlashCommand.Create(),
            CalibrateCommand.Create(),
            ExportCommand.Create(),
            ReportCommand.Create(),
            CohortCommand.Create(),
            LoopbackCommand.Create(),
            BrokerConfigCommand.Create(),
            FleetCommand.Create(),
            ProtocolsCommand.Create(),
            SubjectCommand.Create(),
            ConsoleCommand.Create(),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync("rig: " + error.Message);
            }

            await Console.Error.WriteLineAsync("run 'rig --help' for usage");
            return ExitCodes.Usage;
        }

        // Ctrl-C (SIGINT/SIGTERM) cancels the command, which then closes what it holds: `rig run` drains, acknowledges and
        // writes summary.json, which takes up to Bridge:DrainTimeout + CommandTimeout (12 s). The library's default of 2 s
        // ended the process with exit 130 before a session was closed.
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
    }
}
