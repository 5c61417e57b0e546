using System;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Rig.Recording.Bridge;

namespace Rig.Cli;

/// <summary>
/// The .NET Generic Host every command runs in: configuration (appsettings.json beside the binary, RIG_*
/// environment variables), logging to stderr (stdout is kept for --json), a TimeProvider and the bridge options.
/// </summary>
internal static class RigApp
{
    /// <param name="loggers">The logger factory to use when the command needs loggers before the host is built (rig run's
    /// task and scene); its providers and filters are the ones <see cref="CreateLoggers"/> sets, so there is one logging setup.</param>
    public static HostApplicationBuilder CreateBuilder(bool verbose, ILoggerFactory? loggers = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddJsonFile("appsettings.json", optional: true).AddEnvironmentVariables("RIG_");
        ConfigureLogging(builder.Logging, verbose);
        if (loggers is not null)
        {
            // Registered last, so it is the factory every service gets; the caller owns and disposes it.
            builder.Services.AddSingleton(loggers);
        }

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IConfiguration>().GetSection("Bridge").Get<BridgeOptions>() ?? new BridgeOptions());
        return builder;
    }

    /// <summary>A logger factory set up exactly as the host's logging (stderr, single line, the verbosity filters).</summary>
    public static ILoggerFactory CreateLoggers(bool verbose) => LoggerFactory.Create(b => ConfigureLogging(b, verbose));

    private static void ConfigureLogging(ILoggingBuilder logging, bool verbose)
    {
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        logging.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning);
        logging.AddFilter("Rig", verbose ? LogLevel.Debug : LogLevel.Warning);
    }
}
