using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Rig.Host.Flashing;
using Rig.Host.Link;
using Rig.Protocol;
using Command = System.CommandLine.Command;

namespace Rig.Cli.Commands;

/// <summary>
/// `rig flash`: a thin wrapper over nanoff (the nanoFramework firmware flasher) that flashes the custom nanoCLR, writes the
/// Wi-Fi network and the device configuration, and deploys the application, in that order, stopping at the first nanoff run that fails.
/// </summary>
internal static class FlashCommand
{
    private const string Tag = "[rig flash]";

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
            port, target, clrFile, app, address, rig, broker, credentials, anonymous, pinmap, wifi, syntax, dryRun, json, caFile,
        };
        command.Validators.Add(r =>
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

            if (!hasRig && (r.GetValue(credentials) is not null || r.GetValue(anonymous) || r.GetValue(pinmap) is not null))
            {
                r.AddError("--credentials, --anonymous and --pinmap belong to the device configuration: add --rig and --broker");
            }

            if (r.GetValue(credentials) is not null && r.GetValue(anonymous))
            {
                r.AddError("--credentials and --anonymous contradict each other: choose one");
            }
        });
        command.SetAction((parse, ct) => RunAsync(new FlashArgs(
            parse.GetValue(port)!, parse.GetValue(target), Full(parse.GetValue(clrFile)), Full(parse.GetValue(app)), parse.GetValue(address),
            parse.GetValue(rig), parse.GetValue(broker), Full(parse.GetValue(credentials)), parse.GetValue(anonymous), Full(parse.GetValue(pinmap)),
            Full(parse.GetValue(wifi)), parse.GetValue(syntax)!, parse.GetValue(dryRun), parse.GetValue(json), Full(parse.GetValue(caFile))), ct));
        return command;
    }

    private sealed record FlashArgs(
        string Port, string? Target, string? ClrFile, string? AppFile, string? Address, string? RigId, string? Broker,
        string? CredentialsFile, bool Anonymous, string? PinMapFile, string? WifiFile, string Syntax, bool DryRun, bool Json, string? CaFile = null);

    private static async Task<int> RunAsync(FlashArgs args, CancellationToken ct)
    {
        var masker = SecretMasker.None;
        try
        {
            // Inputs first, all before nanoff is looked for or anyone is asked for a password: a typo costs nothing.
            string? address = null;
            if (args.Address is not null)
            {
                NanoffCommands.TryNormalizeAddress(args.Address, out string normalized, out _);
                address = normalized;
            }

            BrokerAddress? brokerAddress = args.Broker is null ? null : BrokerAddress.Parse(args.Broker);
            string? caPem = null;
            if (brokerAddress is { UseTls: true } && args.RigId is not null)
            {
                // The ESP32 has no trust store: the device checks the broker's certificate against the CA written here.
                if (args.CaFile is null)
                {
                    throw new FlashInputException("--ca-file", "an mqtts:// broker needs --ca-file: the PEM of the CA that signed the broker's certificate (the device has no trust store)");
                }

                BrokerLogin.LoadCas(args.CaFile);
                caPem = await File.ReadAllTextAsync(args.CaFile, ct);
                await Console.Error.WriteLineAsync($"{Tag} warning: TLS on the device is compile-checked only and has not been run on hardware yet (docs/security.md)");
            }

            PinMap? pinMap = null;
            string? pinMapPath = null;
            if (args.RigId is not null)
            {
                pinMapPath = args.PinMapFile ?? DefaultPinMapPath();
                pinMap = PinMap.Load(pinMapPath);
            }

            MqttCredentials? credentials = null;
            if (args.CredentialsFile is not null)
            {
                credentials = CredentialsFile.Read(args.CredentialsFile);
                masker = SecretMasker.For(credentials, null);
                await WarnIfReadableAsync(args.CredentialsFile);
            }

            WifiNetwork? wifi = null;
            if (args.WifiFile is not null)
            {
                wifi = CredentialsFile.ReadWifi(args.WifiFile);
                masker = SecretMasker.For(credentials, wifi);
                await WarnIfReadableAsync(args.WifiFile);
            }

            bool askForCredentials = args.RigId is not null && credentials is null && !args.Anonymous;
            var location = FindNanoff(args.DryRun);
            if (!args.DryRun && PortProblem(args.Port) is { } portProblem)
            {
                await Console.Error.WriteLineAsync("rig flash: " + portProblem);
                return ExitCodes.Usage;
            }

            if (askForCredentials && !args.DryRun)
            {
                if (Console.IsInputRedirected)
                {
                    await Console.Error.WriteLineAsync("rig flash: no --credentials FILE and no terminal to ask for the MQTT login on: pass --credentials FILE, or --anonymous for a broker without login");
                    return ExitCodes.Usage;
                }

                credentials = PromptCredentials();
                masker = SecretMasker.For(credentials, wifi);
            }

            DeviceConfiguration? configuration = args.RigId is null ? null : new DeviceConfiguration(args.RigId, brokerAddress!,
                askForCredentials && args.DryRun ? new MqttCredentials("asked at run time", "asked at run time") : credentials, pinMap!, CommonOptions.Software, caPem);
            var request = new FlashRequest
            {
                Port = args.Port,
                Target = args.Target,
                ClrFile = args.ClrFile,
                AppFile = args.AppFile,
                Address = address,
                Configuration = configuration,
                Wifi = wifi,
            };
            string program = location is null ? "nanoff" : location.Path;
            string shown = DisplayName(location);
            var report = new Report(args, shown, location, masker, configuration, pinMapPath);

            if (args.DryRun)
            {
                var dryRunSyntax = args.Syntax == "3" ? NanoffSyntax.Verbs : NanoffSyntax.Flags;
                var planned = FlashPlan.Build(request, dryRunSyntax, FlashWorkspace.DryRunFiles(request));
                return await report.DryRunAsync(planned, dryRunSyntax, askForCredentials, wifi);
            }

            var nanoff = new NanoffProcess();
            NanoffSyntax syntax;
            string? version = null;
            if (args.Syntax == "auto")
            {
                var probe = await FlashRunner.RunAsync(nanoff, program, [FlashPlan.Version()], new QuietProgress(), ct);
                var probeResult = probe.Results[0];
                if (!probe.Succeeded || !NanoffVersion.TryParse(string.Join('\n', probeResult.LastLines), out int major, out string parsed))
                {
                    return await report.ProbeFailedAsync(probeResult);
                }

                version = parsed;
                syntax = NanoffVersion.SyntaxFor(major);
            }
            else
            {
                syntax = args.Syntax == "3" ? NanoffSyntax.Verbs : NanoffSyntax.Flags;
            }

            await Console.Error.WriteLineAsync($"{Tag} nanoff: {location!.Path} ({(version is null ? "version not asked" : "version " + version)}; {SyntaxName(syntax)})");
            using var workspace = configuration is null && wifi is null ? null : FlashWorkspace.Create(request);
            var steps = FlashPlan.Build(request, syntax, workspace?.Files ?? new FlashFiles(null, null));
            var outcome = await FlashRunner.RunAsync(nanoff, program, steps, new ConsoleProgress(shown, masker), ct);
            return await report.OutcomeAsync(steps, outcome, syntax, version);
        }
        catch (Exception e) when (ExitCodes.For(e) != ExitCodes.Failure)
        {
            await Console.Error.WriteLineAsync("rig flash: " + masker.Mask(e.Message));
            return ExitCodes.For(e);
        }
    }

    private static async Task WarnIfReadableAsync(string path)
    {
        if (CredentialsFile.PermissionWarning(path) is { } warning)
        {
            await Console.Error.WriteLineAsync($"{Tag} warning: {warning}");
        }
    }

    /// <summary>A dry run works without nanoff (it only prints); a real run needs it, and says how to install it.</summary>
    private static NanoffLocation? FindNanoff(bool dryRun)
    {
        var location = NanoffLocator.Find();
        if (location is null && !dryRun)
        {
            string searched = NanoffLocator.SearchedPlaces(Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
            throw new NanoffNotFoundException($"nanoff (the nanoFramework firmware flasher) is not installed: looked in {searched}.");
        }

        return location;
    }

    private static string DefaultPinMapPath()
    {
        string? path = PinMapLocator.FindDefault([Environment.CurrentDirectory, AppContext.BaseDirectory]);
        if (path is null)
        {
            throw new FlashInputException(PinMap.DefaultRelativePath,
                $"no --pinmap given and the working folder is not inside the Rig repository (no {PinMapLocator.RepositoryMarker} above it): pass --pinmap FILE");
        }

        if (!File.Exists(path))
        {
            throw new FlashInputException(path, $"no pin map at '{path}' (the default): create it, or pass --pinmap FILE");
        }

        return path;
    }

    /// <summary>A Unix device path that does not exist means the board is not plugged in; COM names cannot be checked this way.</summary>
    private static string? PortProblem(string port) =>
        !OperatingSystem.IsWindows() && Path.IsPathRooted(port) && !File.Exists(port)
            ? $"serial port '{port}' does not exist: is the board plugged in? ('nanoff --listports', or 'nanoff list ports' in nanoff 3, lists ports; on Linux your user needs the dialout group)"
            : null;

    /// <summary>What the printed commands start with: "nanoff" when PATH finds it, so the line runs as typed; the full path otherwise.</summary>
    private static string DisplayName(NanoffLocation? location) => location is null || location.FoundVia == "PATH" ? "nanoff" : location.Path;

    private static string SyntaxName(NanoffSyntax syntax) => syntax == NanoffSyntax.Verbs ? "nanoff 3.x verb syntax" : "nanoff 2.x flag syntax";

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

    /// <summary>Reads the MQTT login from the terminal without echoing either value; the password is typed twice, a typo would lock the device out.</summary>
    private static MqttCredentials? PromptCredentials()
    {
        string user = ReadHidden("MQTT user name for the device (not shown; empty: no login): ");
        if (user.Length == 0)
        {
            return null;
        }

        while (true)
        {
            string password = ReadHidden("MQTT password (not shown): ");
            if (ReadHidden("MQTT password again: ") == password)
            {
                return new MqttCredentials(user, password);
            }

            Console.Error.WriteLine("the two passwords differ; again");
        }
    }

    private static string ReadHidden(string prompt)
    {
        Console.Error.Write(prompt);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }

    /// <summary>Progress on stderr: one line per step, nanoff's own output indented under it, every line through the masker.</summary>
    private sealed class ConsoleProgress(string program, SecretMasker masker) : IFlashProgress
    {
        public void StepStarting(int number, int count, FlashStep flashStep)
        {
            Console.Error.WriteLine(masker.Mask($"{Tag} step {number}/{count}: {flashStep.Title}"));
            Console.Error.WriteLine(masker.Mask($"{Tag}   $ {CommandLineText.Format(program, flashStep.Arguments)}"));
        }

        public void Output(FlashStep flashStep, string line) => Console.Error.WriteLine("  nanoff | " + masker.Mask(line));

        public void StepFinished(int number, int count, FlashStepResult result)
        {
            if (result.Succeeded)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Tag} step {number}/{count} done in {result.Duration.TotalSeconds:0.0} s"));
            }
        }
    }

    /// <summary>The version question is not a step of the plan: its output only matters when it fails.</summary>
    private sealed class QuietProgress : IFlashProgress
    {
        public void StepStarting(int number, int count, FlashStep flashStep)
        {
        }

        public void Output(FlashStep flashStep, string line)
        {
        }

        public void StepFinished(int number, int count, FlashStepResult result)
        {
        }
    }

    /// <summary>Everything `rig flash` prints at the end: the dry-run script, the failure report, the summary, or the JSON document.</summary>
    private sealed class Report(FlashArgs args, string program, NanoffLocation? location, SecretMasker masker, DeviceConfiguration? configuration, string? pinMapPath)
    {
        public async Task<int> DryRunAsync(IReadOnlyList<FlashStep> steps, NanoffSyntax syntax, bool credentialsAskedLater, WifiNetwork? wifi)
        {
            if (location is null)
            {
                await Console.Error.WriteLineAsync($"{Tag} note: nanoff is not installed here, so a real run would stop with exit code {ExitCodes.NanoffNotFound}. {NanoffLocator.InstallHint}");
            }

            if (args.Syntax == "auto")
            {
                await Console.Error.WriteLineAsync($"{Tag} note: a dry run runs nothing, not even 'nanoff --version', so it shows the 2.x syntax; a real run asks nanoff and uses the 3.x verbs if that is what is installed (--nanoff-syntax 3 shows them)");
            }

            if (wifi is not null)
            {
                await Console.Error.WriteLineAsync($"{Tag} network deployment for nanoff (Wi-Fi password masked):");
                await Console.Error.WriteLineAsync(masker.Mask(NetworkDeploymentDescriptor.ToJson(args.Port, wifi, maskPassword: true)).TrimEnd());
            }

            if (configuration is not null)
            {
                await Console.Error.WriteLineAsync($"{Tag} device configuration for {NanoffCommands.DeviceConfigPath} (pin map {pinMapPath}; credentials masked{(credentialsAskedLater ? ", asked on the terminal at run time" : "")}):");
                await Console.Error.WriteLineAsync(masker.Mask(configuration.ToJson(maskCredentials: true)).TrimEnd());
            }

            if (args.Json)
            {
                Print(steps.Select(s => StepJson(s, "planned", null)).ToList(), syntax, null, null, ExitCodes.Ok);
                return ExitCodes.Ok;
            }

            var output = new StringBuilder();
            output.AppendLine(CultureInfo.InvariantCulture, $"# rig flash --dry-run: the nanoff commands a run executes, in order ({SyntaxName(syntax)})");
            if (configuration is not null || wifi is not null)
            {
                output.AppendLine("# (a run writes the files nanoff reads into a new private temporary folder and deletes it afterwards)");
            }

            for (int i = 0; i < steps.Count; i++)
            {
                output.AppendLine(CultureInfo.InvariantCulture, $"# {i + 1}/{steps.Count} {steps[i].Title}");
                output.AppendLine(CommandLineText.Format(program, steps[i].Arguments));
            }

            await Console.Out.WriteAsync(masker.Mask(output.ToString()));
            return ExitCodes.Ok;
        }

        public async Task<int> ProbeFailedAsync(FlashStepResult probe)
        {
            string why = probe.Problem ?? (probe.ExitCode == 0 ? "its output has no version number" : $"it exited with {probe.ExitCode}");
            await Console.Error.WriteLineAsync($"rig flash: could not ask nanoff ({location!.Path}) for its version: {why}; --nanoff-syntax 2 or 3 skips the question");
            await PrintLastLinesAsync(probe.LastLines);
            if (args.Json)
            {
                Print([StepJson(probe.Step, "failed", probe)], null, null, probe.Step.Id, ExitCodes.FlashStepFailed);
            }

            return ExitCodes.FlashStepFailed;
        }

        public async Task<int> OutcomeAsync(IReadOnlyList<FlashStep> steps, FlashOutcome outcome, NanoffSyntax syntax, string? version)
        {
            var results = outcome.Results.ToDictionary(r => r.Step.Id);
            var stepJson = steps.Select(s => results.TryGetValue(s.Id, out var r) ? StepJson(s, r.Succeeded ? "ok" : "failed", r) : StepJson(s, "not_run", null)).ToList();
            int exitCode = outcome.Succeeded ? ExitCodes.Ok : ExitCodes.FlashStepFailed;
            if (outcome.Failed is { } failed)
            {
                int number = steps.ToList().FindIndex(s => s.Id == failed.Step.Id) + 1;
                await Console.Error.WriteLineAsync(masker.Mask($"rig flash: step {number}/{steps.Count} failed: {failed.Step.Title}"));
                await Console.Error.WriteLineAsync(masker.Mask("  " + Describe(failed)));
                await Console.Error.WriteLineAsync(masker.Mask($"  command: {CommandLineText.Format(program, failed.Step.Arguments)}"));
                await PrintLastLinesAsync(failed.LastLines);
                foreach (var skipped in steps.Skip(number))
                {
                    await Console.Error.WriteLineAsync(masker.Mask($"  not run: {skipped.Title}"));
                }
            }

            if (args.Json)
            {
                Print(stepJson, syntax, version, outcome.Failed?.Step.Id, exitCode);
            }
            else if (outcome.Succeeded)
            {
                Console.WriteLine(masker.Mask($"rig flash: {steps.Count} step(s) done on {args.Port}: {string.Join("; ", steps.Select(s => s.Title))}"));
            }

            return exitCode;
        }

        private static string Describe(FlashStepResult result)
        {
            if (result.ExitCode is not { } code)
            {
                return result.Problem ?? "nanoff did not finish";
            }

            string? meaning = NanoffExitCodes.Describe(code);
            return meaning is null ? $"nanoff exited with code {code}" : $"nanoff exited with code {code} ({meaning})";
        }

        private async Task PrintLastLinesAsync(IReadOnlyList<string> lines)
        {
            if (lines.Count == 0)
            {
                return;
            }

            await Console.Error.WriteLineAsync($"  last {lines.Count} line(s) from nanoff:");
            foreach (string line in lines)
            {
                await Console.Error.WriteLineAsync("    | " + masker.Mask(line));
            }
        }

        private object StepJson(FlashStep step, string status, FlashStepResult? result) => new
        {
            id = step.Id,
            title = masker.Mask(step.Title),
            command = masker.Mask(CommandLineText.Format(program, step.Arguments)),
            arguments = step.Arguments.Select(masker.Mask).ToList(),
            status,
            exit_code = result?.ExitCode,
            exit_meaning = result?.ExitCode is { } code and not 0 ? NanoffExitCodes.Describe(code) : null,
            problem = result?.Problem,
            seconds = result is null ? (double?)null : Math.Round(result.Duration.TotalSeconds, 1),
            last_lines = result is null || result.Succeeded ? null : result.LastLines.Select(masker.Mask).ToList(),
        };

        private void Print(List<object> steps, NanoffSyntax? syntax, string? version, string? failedStep, int exitCode)
        {
            using var config = configuration is null ? null : JsonDocument.Parse(masker.Mask(configuration.ToJson(maskCredentials: true)));
            SummaryPrinter.PrintJson(Console.Out, new
            {
                dry_run = args.DryRun,
                port = args.Port,
                target = args.Target,
                nanoff = new
                {
                    path = location?.Path,
                    found_via = location?.FoundVia,
                    version,
                    syntax = syntax is null ? null : (int?)syntax.Value,
                },
                steps,
                failed_step = failedStep,
                exit_code = exitCode,
                device_config_path = configuration is null ? null : NanoffCommands.DeviceConfigPath,
                device_config = config?.RootElement,
                pinmap = pinMapPath,
            });
        }
    }
}
