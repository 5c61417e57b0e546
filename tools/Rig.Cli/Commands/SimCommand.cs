using System;
using System.CommandLine;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Link;
using Rig.VirtualRig;

namespace Rig.Cli.Commands;

/// <summary>`rig sim`: a virtual rig that connects to a broker exactly like a device.</summary>
internal static class SimCommand
{
    public static Command Create()
    {
        var rig = CommonOptions.Rig(required: true);
        var broker = CommonOptions.Broker(required: true);
        var speed = CommonOptions.Speed(1);
        var seed = CommonOptions.Seed();
        var minutes = CommonOptions.Positive(new Option<double>("--minutes")
        {
            Description = "Run this many virtual minutes, wait until the bridge has everything, then exit (default: until Ctrl-C)",
            DefaultValueFactory = _ => 0,
        }, allowZero: true);
        var json = CommonOptions.Json();
        var loopback = new Option<string?>("--loopback") { Description = "Plug in the loopback fixture of this scenario (docs/loopback.md), wire 7 µs ± 2 µs; 'none:SCENARIO' leaves its wire disconnected" };
        var credentials = SecurityOptions.Credentials();
        var caFile = SecurityOptions.CaFile();
        var resendSlots = AtLeastTwo(new Option<int>("--resend-slots")
        {
            Description = "Batches the device keeps until acknowledged (default 2048; the ESP32 default is 32)",
            DefaultValueFactory = _ => 2048,
        });
        var ringEvents = AtLeastTwo(new Option<int>("--ring-events")
        {
            Description = "Events waiting to be batched before new ones are dropped and counted (default 65536; ESP32 4096)",
            DefaultValueFactory = _ => 65536,
        });
        var freeRunning = new Option<bool>("--free-running")
        {
            Description = "Never let virtual time wait for the link: a stalled or partitioned link fills the device buffer, as on hardware",
        };
        var frameRate = CommonOptions.FrameRateHz(virtualScanner: true);
        var limits = CommonOptions.VirtualLimits();
        var command = new Command("sim", "Run a virtual rig (firmware core + simulated mouse, scanner, valve) against a broker")
        {
            rig, broker, speed, seed, minutes, json, loopback, credentials, caFile, resendSlots, ringEvents, freeRunning, frameRate, limits,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(rig)!, parse.GetValue(broker)!, parse.GetValue(speed),
            parse.GetValue(seed), parse.GetValue(minutes), parse.GetValue(json), parse.GetValue(loopback), parse.GetValue(credentials), parse.GetValue(caFile),
            new DeviceBuffer(parse.GetValue(resendSlots), parse.GetValue(ringEvents), parse.GetValue(freeRunning)) { FrameRateHz = parse.GetValue(frameRate) ?? 30, Limits = parse.GetValue(limits) }, ct));
        return command;
    }

    private static async Task<int> RunAsync(string rigId, string brokerUrl, double speed, int seed, double minutes, bool json, string? loopback,
        string? credentialsFile, string? caFile, DeviceBuffer buffer, CancellationToken ct)
    {
        try
        {
            var address = BrokerAddress.Parse(brokerUrl);
            var login = SecurityOptions.Resolve(credentialsFile, caFile);
            var options = new VirtualRigOptions
            {
                RigId = rigId,
                Seed = seed,
                Speed = speed,
                Device = CommonOptions.WithLimits(new Rig.Firmware.DeviceConfig { ResendSlots = buffer.ResendSlots, EventRingCapacity = buffer.RingEvents },
                    buffer.Limits, "rig sim"),
                StallOnLinkBacklog = !buffer.FreeRunning,
                Scanner = new Rig.VirtualRig.Models.ScannerOptions { FrameRateHz = buffer.FrameRateHz },
            };
            if (loopback is not null)
            {
                bool connected = !loopback.StartsWith("none:", StringComparison.Ordinal);
                var scenario = Rig.Provisioning.Loopback.LoopbackScenario.Find(connected ? loopback : loopback["none:".Length..]);
                // The fixture's default model per leg (a 7 ± 2 µs wire; the tone path 20 ± 5 µs). A renderer-to-photodiode screen
                // only draws when a loopback in this process starts it, so over a broker that leg has nothing to watch.
                options = Rig.VirtualRig.Loopback.LoopbackFixture.ForLeg(options, scenario, null, null, connected).Options;
            }

            await using var sim = await VirtualRig.VirtualRig.ConnectAsync(new MqttLinkFactory(address, login), options, ct);
            await Console.Error.WriteLineAsync($"rig sim: virtual rig '{rigId}' (boot {sim.BootId:x8}) connected to {address}");
            var progress = new ProgressLine();
            var report = new Progress<VirtualRigProgress>(p => progress.Report("[rig sim] " + ProgressLine.Describe(p, null)));
            if (minutes > 0)
            {
                var result = await sim.RunAsync(TimeSpan.FromMinutes(minutes), report, ct);
                progress.Done();
                if (json)
                {
                    SummaryPrinter.PrintJson(Console.Out, result);
                }
                else
                {
                    Console.WriteLine($"virtual rig '{rigId}': {result.EventsCaptured:N0} events in {result.BatchesSent:N0} batches ({result.BatchesResent} resent), {result.EventsLost} lost, all acknowledged: {(result.FullyAcknowledged ? "yes" : "NO")}");
                }

                return result.FullyAcknowledged ? ExitCodes.Ok : ExitCodes.SessionIncomplete;
            }

            await sim.RunUntilCancelledAsync(report, ct);
            progress.Done();

            // A device stopped with batches no bridge acknowledged: their events exist only in this process and end with it.
            int unacknowledged = sim.UnacknowledgedBatches;
            if (unacknowledged > 0)
            {
                await Console.Error.WriteLineAsync($"rig sim: stopped with {unacknowledged} batch(es) no bridge acknowledged: their events were not recorded (is a bridge running for '{rigId}'?)");
                return ExitCodes.SessionIncomplete;
            }

            return ExitCodes.Ok;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped before the run began (while connecting): nothing was captured, so nothing is lost.
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Every failure ends as one clear line and its documented exit code, never a stack trace.
            return await CliErrors.ReportAsync("sim", e);
        }
    }

    private static Option<int> AtLeastTwo(Option<int> option)
    {
        option.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value < 2)
            {
                result.AddError($"{option.Name} must be at least 2, not {value}");
            }
        });
        return option;
    }

    private sealed record DeviceBuffer(int ResendSlots, int RingEvents, bool FreeRunning)
    {
        /// <summary>The virtual scanner's frame rate (--frame-rate-hz).</summary>
        public double FrameRateHz { get; init; } = 30;

        /// <summary>`--limits`: the device safety limits file, or null for the firmware's defaults.</summary>
        public string? Limits { get; init; }
    }
}
