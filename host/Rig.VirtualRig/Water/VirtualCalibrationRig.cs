using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Rig.Recording.Bridge;
using Rig.Provisioning.Calibration.Run;
using Rig.Recording.Link;

namespace Rig.VirtualRig.Water;

/// <summary>
/// A virtual rig running on its own loop and a bridge recording it, ready for a calibration run: pulses go through
/// <see cref="Recorder"/>, intervals pass on the rig's virtual clock (<see cref="IntervalWait"/>), and the water is
/// weighed by its simulated scale. `rig calibrate sim` and the calibration tests use it.
/// </summary>
public sealed class VirtualCalibrationRig : ICalibrationRig
{
    private readonly IRigLink _bridgeLink;
    private readonly CancellationTokenSource _stopDevice;
    private readonly Task _deviceLoop;

    private VirtualCalibrationRig(IRigLink bridgeLink, VirtualRig rig, SessionRecorder recorder, CancellationTokenSource stopDevice, Task deviceLoop)
    {
        _bridgeLink = bridgeLink;
        Rig = rig;
        Recorder = recorder;
        _stopDevice = stopDevice;
        _deviceLoop = deviceLoop;
        IntervalWait = new DeviceClockIntervalWait(rig.WaitForDeviceTimeAsync);
    }

    public VirtualRig Rig { get; }

    public SessionRecorder Recorder { get; }

    public IIntervalWait IntervalWait { get; }

    public IScale Scale => Rig.Water.Scale;

    public SimWater Water => Rig.Water;

    /// <summary>Connects a virtual rig and a bridge, starts the rig's loop at its configured speed and starts recording into <paramref name="folder"/>.</summary>
    /// <param name="sink">Receives every decoded event (rig loopback collects its edges here); null for none.</param>
    public static async Task<VirtualCalibrationRig> StartAsync(ILinkFactory links, VirtualRigOptions rigOptions, BridgeOptions bridgeOptions,
        string folder, SessionStartInfo info, TimeProvider time, ILogger logger, CancellationToken cancellationToken, Rig.Recording.Decoding.IEventSink? sink = null)
    {
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(rigOptions);
        var bridgeLink = links.Create(new LinkOptions { ClientId = "bridge-" + rigOptions.RigId });
        VirtualRig? rig = null;
        var stop = new CancellationTokenSource();
        Task loop = Task.CompletedTask;
        try
        {
            await bridgeLink.ConnectAsync(cancellationToken);
            rig = await VirtualRig.ConnectAsync(links, rigOptions, cancellationToken);
            var running = rig;
            loop = Task.Run(() => running.RunUntilCancelledAsync(null, stop.Token), CancellationToken.None);
            var recorder = await SessionRecorder.StartAsync(new RecorderSettings(bridgeLink, rigOptions.RigId, folder)
            {
                Info = info, Options = bridgeOptions, Time = time, Logger = logger, Sink = sink,
            }, cancellationToken);
            return new VirtualCalibrationRig(bridgeLink, rig, recorder, stop, loop);
        }
        catch
        {
            await stop.CancelAsync();
            await loop;
            stop.Dispose();
            if (rig is not null)
            {
                await rig.DisposeAsync();
            }

            await bridgeLink.DisposeAsync();
            throw;
        }
    }

    /// <summary>Ends the recording (session.json, journal, summary.json) while the rig still answers.</summary>
    public async Task<SessionResult> StopAsync(CancellationToken cancellationToken)
    {
        return await Recorder.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // Safe after StopAsync too (as VirtualSession relies on); without it, an abandoned run still closes its journal.
        await Recorder.DisposeAsync();

        await _stopDevice.CancelAsync();
        await _deviceLoop;
        _stopDevice.Dispose();
        await Rig.DisposeAsync();
        await _bridgeLink.DisposeAsync();
    }
}
