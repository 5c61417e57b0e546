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
    public static HostApplicationBuilder CreateBuilder(bool verbose)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddJsonFile("appsettings.json", optional: true).AddEnvironmentVariables("RIG_");
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning);
        builder.Logging.AddFilter("Rig", verbose ? LogLevel.Debug : LogLevel.Warning);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IConfiguration>().GetSection("Bridge").Get<BridgeOptions>() ?? new BridgeOptions());
        return builder;
    }
}
