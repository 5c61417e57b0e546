using System;
using System.CommandLine;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Rig.Provisioning.Flashing;
using Rig.Protocol;
using Command = System.CommandLine.Command;

namespace Rig.Cli.Commands;

/// <summary>
/// `rig flash`: a thin wrapper over nanoff (the nanoFramework firmware flasher) that flashes the custom nanoCLR, writes the
/// Wi-Fi network and the device configuration, and deploys the application, in that order, stopping at the first nanoff run that fails.
/// </summary>
internal static class FlashCommand
{
    public static Command Create()
    {
        var port = new Option<string>("--port") { Description = "Serial port of the board, e.g. /dev/ttyUSB0 or COM3 ('nanoff --listports', or 'nanoff list ports' in nanoff 3, lists them)", Required = true };
        port.Validators.Add(r =>
        {
            if (string.IsNullOrWhiteSpace(r.GetValueOrDefault<string>()))
            {
                r.AddError("--port must name a serial port, e.g. /dev/ttyUSB0");
            }
        });
        var target = new Option<string?>("--target") { Description = "nanoFramework target of the board, e.g. ESP32_PSRAM_REV3 (needed with --clrfile and --app)" };
        target.Validators.Add(r =>
        {
            string? value = r.GetValueOrDefault<string?>();
            if (!NanoffCommands.IsValidTargetName(value))
            {
                r.AddError($"--target '{value}' is not a nanoFramework target name: letters, digits and _ starting with a letter, e.g. ESP32_PSRAM_REV3");
            }
        });
        var clrFile = ExistingFile(new Option<string?>("--clrfile") { Description = "Custom nanoCLR image to flash (nanoCLR.bin from the nf-interpreter build with the capture module)" }, nonEmpty: true);
        var app = ExistingFile(new Option<string?>("--app") { Description = "Application deployment image to write (the .bin of the nanoFramework app build)" }, nonEmpty: true);
        var address = new Option<string?>("--address") { Description = "Flash address for --app, e.g. 0x1B0000 (default: the deployment partition in the target's partition table)" };
        address.Validators.Add(r =>
        {
            if (!NanoffCommands.TryNormalizeAddress(r.GetValueOrDefault<string?>(), out _, out string problem))
            {
                r.AddError("--address: " + problem);
            }
        });
        var rig = new Option<string?>("--rig") { Description = "Rig id written into the device configuration: " + RigId.Rule };
        rig.Validators.Add(r =>
        {
            string? value = r.GetValueOrDefault<string?>();
            if (value is null || !RigId.IsValid(value))
            {
                r.AddError(RigId.Problem(value ?? ""));
            }
        });
        var broker = new Option<string?>("--broker") { Description = "Broker URL written into the device configuration: mqtt://HOST[:PORT] or mqtts://HOST[:PORT]" };
        var credentials = ExistingFile(new Option<string?>("--credentials") { Description = "JSON file {\"username\": ..., \"password\": ...} with the device's MQTT login (default: asked on the terminal)" }, nonEmpty: false);
        var anonymous = new Option<bool>("--anonymous") { Description = "The broker takes no login: write no MQTT credentials and ask for none" };
        var caFile = ExistingFile(new Option<string?>("--ca-file") { Description = "PEM of the CA that signed an mqtts:// broker's certificate, written into the device configuration (needed with mqtts://)" }, nonEmpty: true);
        var wifi = ExistingFile(new Option<string?>("--wifi") { Description = "JSON file {\"ssid\": ..., \"password\": ...}: the Wi-Fi network to store on the device (default: keep the stored one)" }, nonEmpty: false);
        var limits = ExistingFile(new Option<string?>("--limits") { Description = "JSON file of the device's safety limits (valve_hard_max_ms, host_silence_ms, water_window_ms, water_window_max_open_ms, water_window_max_openings, water_session_window_min, water_session_max_open_s, water_arm_max_window_s; any left out keep the firmware's default), written into the device configuration" }, nonEmpty: true);
        var pinmap = ExistingFile(new Option<string?>("--pinmap") { Description = "Pin map to embed (default: hardware/pinmap.json of the Rig repository around the working folder)" }, nonEmpty: false);
        var syntax = new Option<string>("--nanoff-syntax")
        {
            Description = "nanoff command grammar: 2 (nanoff 2.x flags), 3 (nanoff 3.x verbs) or auto (ask 'nanoff --version'; a dry run shows 2)",
            DefaultValueFactory = _ => "auto",
        };
        syntax.Validators.Add(r =>
        {
            string? value = r.GetValueOrDefault<string>();
            if (value is not ("auto" or "2" or "3"))
            {
                r.AddError($"--nanoff-syntax must be auto, 2 or 3, not '{value}'");
            }
        });
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the nanoff command lines in order and run nothing" };
        var json = CommonOptions.Json();

        var command = new Command("flash", "Flash an ESP32 rig controller with nanoff: custom nanoCLR, Wi-Fi, device configuration, application")
        {
            port, target, clrFile, app, address, rig, broker, credentials, anonymous, pinmap, wifi, syntax, dryRun, json, caFile, limits,
        };
        command.Validators.Add(CommonOptions.CrossCheck(r =>
        {
            bool hasClr = r.GetValue(clrFile) is not null;
            bool hasApp = r.GetValue(app) is not null;
            bool hasRig = r.GetValue(rig) is not null;
            bool hasBroker = r.GetValue(broker) is not null;
            if (!hasClr && !hasApp && !hasRig && !hasBroker && r.GetValue(wifi) is null)
            {
                r.AddError("nothing to do: give --clrfile, --app, --wifi, or --rig with --broker (see 'rig flash --help')");
            }

            if ((hasClr || hasApp) && r.GetValue(target) is null)
            {
                r.AddError("--target is required with --clrfile and --app, e.g. --target ESP32_PSRAM_REV3");
            }

            if (r.GetValue(address) is not null && !hasApp)
            {
                r.AddError("--address applies to --app only");
            }

            if (hasRig != hasBroker)
            {
                r.AddError("--rig and --broker go together: the device configuration needs both");
            }

            if (!hasRig && (r.GetValue(credentials) is not null || r.GetValue(anonymous) || r.GetValue(pinmap) is not null || r.GetValue(limits) is not null))
            {
                r.AddError("--credentials, --anonymous, --pinmap and --limits belong to the device configuration: add --rig and --broker");
            }

            if (r.GetValue(credentials) is not null && r.GetValue(anonymous))
            {
                r.AddError("--credentials and --anonymous contradict each other: choose one");
            }
        }));
        command.SetAction((parse, ct) => RunAsync(new FlashJob
        {
            Port = parse.GetValue(port)!,
            Target = parse.GetValue(target),
            ClrFile = Full(parse.GetValue(clrFile)),
            AppFile = Full(parse.GetValue(app)),
            Address = parse.GetValue(address),
            RigId = parse.GetValue(rig),
            Broker = parse.GetValue(broker),
            CredentialsFile = Full(parse.GetValue(credentials)),
            Anonymous = parse.GetValue(anonymous),
            PinMapFile = Full(parse.GetValue(pinmap)),
            WifiFile = Full(parse.GetValue(wifi)),
            CaFile = Full(parse.GetValue(caFile)),
            LimitsFile = Full(parse.GetValue(limits)),
            Syntax = parse.GetValue(syntax) switch { "2" => NanoffSyntaxChoice.Flags, "3" => NanoffSyntaxChoice.Verbs, _ => NanoffSyntaxChoice.Auto },
            DryRun = parse.GetValue(dryRun),
            WrittenBy = CommonOptions.Software,
            NanoffNotFoundExitCode = ExitCodes.NanoffNotFound,
        }, parse.GetValue(json), ct));
        return command;
    }

    /// <summary>Runs the workflow and maps how it ended to the documented exit codes; every message is masked.</summary>
    private static async Task<int> RunAsync(FlashJob job, bool json, CancellationToken ct)
    {
        var workflow = new FlashWorkflow(job, Console.Error, new TerminalCredentialPrompt());
        try
        {
            var result = await workflow.RunAsync(new NanoffProcess(), ct);
            int exitCode = result.Status switch
            {
                FlashStatus.Done or FlashStatus.Planned => ExitCodes.Ok,
                FlashStatus.PortMissing or FlashStatus.NoTerminal => ExitCodes.Usage,
                FlashStatus.VersionUnknown or FlashStatus.StepFailed => ExitCodes.FlashStepFailed,
                _ => throw new InvalidOperationException($"rig flash: no exit code for the outcome {result.Status}"),
            };
            if (result.Problem is not null)
            {
                await Console.Error.WriteLineAsync("rig flash: " + result.Problem);
            }

            if (json && result.Summary is not null)
            {
                SummaryPrinter.PrintJson(Console.Out, result.Summary with { ExitCode = exitCode });
            }
            else
            {
                await Console.Out.WriteAsync(result.Text);
            }

            return exitCode;
        }
        catch (Exception e) when (ExitCodes.For(e) != ExitCodes.Failure)
        {
            await Console.Error.WriteLineAsync("rig flash: " + workflow.Masker.Mask(e.Message));
            return ExitCodes.For(e);
        }
    }

    private static string? Full(string? path) => path is null ? null : Path.GetFullPath(path);

    private static Option<string?> ExistingFile(Option<string?> option, bool nonEmpty)
    {
        option.Validators.Add(r =>
        {
            string? path = r.GetValueOrDefault<string?>();
            if (string.IsNullOrEmpty(path) || !File.Exists(path))
            {
                r.AddError($"{option.Name} '{path}': no such file");
            }
            else if (nonEmpty && new FileInfo(path).Length == 0)
            {
                r.AddError($"{option.Name} '{path}' is empty: that is not a firmware image");
            }
        });
        return option;
    }
}
