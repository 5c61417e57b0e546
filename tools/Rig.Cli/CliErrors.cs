using System;
using System.Threading.Tasks;

namespace Rig.Cli;

/// <summary>Turns a command's failure into one clear line on stderr and its documented exit code.</summary>
internal static class CliErrors
{
    public static async Task<int> ReportAsync(string command, Exception e)
    {
        int code = ExitCodes.For(e);
        string message = code == ExitCodes.Failure
            ? $"rig {command}: unexpected failure: {e.GetType().Name}: {e.Message}"
            : $"rig {command}: {e.Message}";
        await Console.Error.WriteLineAsync(message);
        if (code == ExitCodes.Failure && Environment.GetEnvironmentVariable("RIG_VERBOSE") == "1")
        {
            await Console.Error.WriteLineAsync(e.ToString());
        }

        return code;
    }
}
