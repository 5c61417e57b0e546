using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Bridge;
using Rig.Recording.Decoding;
using Rig.Recording.Sessions;

namespace Rig.Provisioning.Loopback;

/// <summary>A recording bridge connected to the rig, and whatever must be disposed with it (the link, a virtual rig).</summary>
public sealed record LoopbackConnection(SessionRecorder Recorder, IAsyncDisposable Owner);

/// <summary>A finished run: its report, its folder in the history, and the files written there.</summary>
public sealed record LoopbackOutcome(LoopbackReport Report, string RunFolder, IReadOnlyList<string> Files);

/// <summary>
/// One whole loopback run as `rig loopback` and `rig run --preflight` make it: a new folder in the rig's history,
/// the bridge recording the run into its <c>session/</c> subfolder (journal, session.json), the run, the session
/// closed, and the report, text and histograms saved next to it.
/// </summary>
public static class LoopbackWorkflow
{
    public static async Task<LoopbackOutcome> RunAsync(Func<string, IEventSink, CancellationToken, Task<LoopbackConnection>> connect,
        LoopbackRunOptions options, LoopbackHistory history, string rigId, TimeProvider time, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connect);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        if (options.Scenario.Leg == LoopbackLeg.Display && options.Screen is null)
        {
            // Refused before anything is connected or written.
            throw new LoopbackInputException(LoopbackLegRunner.NoScreenMessage(options.Scenario));
        }

        string runFolder = history.RunFolder(rigId, options.Scenario.Name, time.GetUtcNow());
        if (Directory.Exists(runFolder))
        {
            throw new SessionFolderExistsException(runFolder);
        }

        var collector = new LoopbackEventCollector(options.Scenario);
        var connection = await connect(LoopbackHistory.SessionFolder(runFolder), collector, cancellationToken);
        LoopbackReport report;
        try
        {
            string firmware = ReadFirmwareVersion(connection.Recorder.Folder);
            report = await new LoopbackRunner(connection.Recorder, collector, time).RunAsync(options, rigId, firmware, progress, cancellationToken);
            await connection.Recorder.StopAsync(cancellationToken);
        }
        finally
        {
            await connection.Owner.DisposeAsync();
        }

        var files = history.Save(report, runFolder);
        return new LoopbackOutcome(report, runFolder, files);
    }

    /// <summary>The firmware version the device announced, as the bridge wrote it into session.json.</summary>
    public static string ReadFirmwareVersion(string sessionFolder)
    {
        return SessionFolder.Open(sessionFolder).Header.FirmwareVersion;
    }
}
