using System;
using System.CommandLine;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Rig.Cli.Commands;

/// <summary>`rig console --out DIR`: the web console's /sessions page alone, over the sessions recorded under DIR (docs/console.md).</summary>
internal static class ConsoleCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "The output folder whose recorded sessions are listed (each folder in it with a session.json)", Required = true };
        var bind = ConsoleCli.BindOption();
        var login = ConsoleCli.LoginOption();
        var port = ConsoleCli.PortOption();
        var command = new Command("console", "Serve the web console's recorded sessions (summaries, interactive plots, files) until Ctrl-C") { output, bind, login, port };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(output)!, parse.GetValue(bind)!, parse.GetValue(login), parse.GetValue(port), ct));
        return command;
    }

    private static async Task<int> RunAsync(string output, string bind, string? login, int port, CancellationToken ct)
    {
        try
        {
            string folder = Path.GetFullPath(output);
            if (!Directory.Exists(folder))
            {
                throw new WebConsoleUsageException($"--out {folder} is not a folder: give the folder the sessions were recorded into");
            }

            var options = ConsoleCli.Resolve(bind, login, port, hub: null, sessionsFolder: folder);
            var (server, moved) = await ConsoleCli.StartWebAsync(options, ct);
            await using (server)
            {
                await Console.Error.WriteLineAsync($"rig console: {ConsoleCli.Describe(server, moved, port)}; sessions of {folder}; Ctrl-C stops");
                Console.WriteLine(server.ConsoleUrl);
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    // Ctrl-C: the normal end of serving.
                }
            }

            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return await CliErrors.ReportAsync("console", e);
        }
    }
}
