using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Rig.Recording.Link;

namespace Rig.Provisioning.Flashing;

/// <summary>Which nanoff grammar to use: ask nanoff (<c>--version</c>), or the one given.</summary>
public enum NanoffSyntaxChoice
{
    Auto = 0,
    Flags = 2,
    Verbs = 3,
}

/// <summary>
/// Everything <c>rig flash</c> was given, as typed (file paths already absolute): one record configures a <see cref="FlashWorkflow"/>.
/// The combinations the command line refuses (no step at all, <c>--rig</c> without <c>--broker</c>, ...) are checked there.
/// </summary>
public sealed record FlashJob
{
    public required string Port { get; init; }

    public string? Target { get; init; }

    public string? ClrFile { get; init; }

    public string? AppFile { get; init; }

    /// <summary>As typed (e.g. <c>0x1B0000</c>); normalized before use.</summary>
    public string? Address { get; init; }

    /// <summary>With <see cref="Broker"/>: write the device configuration.</summary>
    public string? RigId { get; init; }

    public string? Broker { get; init; }

    public string? CredentialsFile { get; init; }

    /// <summary>The broker takes no login: no credentials are written or asked for.</summary>
    public bool Anonymous { get; init; }

    /// <summary>Null: hardware/pinmap.json of the repository around the working folder.</summary>
    public string? PinMapFile { get; init; }

    public string? WifiFile { get; init; }

    public string? CaFile { get; init; }

    /// <summary>The lab's safety limits for the device configuration (DeviceSafetyLimits); null keeps the firmware's defaults.</summary>
    public string? LimitsFile { get; init; }

    public NanoffSyntaxChoice Syntax { get; init; } = NanoffSyntaxChoice.Auto;

    /// <summary>Print the plan and run nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Written into the device configuration as the software that wrote it.</summary>
    public required string WrittenBy { get; init; }

    /// <summary>The exit code a caller reports when nanoff is missing; the dry-run note quotes it.</summary>
    public int NanoffNotFoundExitCode { get; init; }
}

/// <summary>How a flash run ended.</summary>
public enum FlashStatus
{
    /// <summary>Every step exited 0.</summary>
    Done,

    /// <summary>A dry run printed its plan.</summary>
    Planned,

    /// <summary>The serial port does not exist (<see cref="FlashResult.Problem"/> says so); nothing ran.</summary>
    PortMissing,

    /// <summary>Credentials are needed and there is no terminal to ask on; nothing ran.</summary>
    NoTerminal,

    /// <summary>nanoff could not say which version it is; no step ran.</summary>
    VersionUnknown,

    /// <summary>A step failed; the later ones did not run.</summary>
    StepFailed,
}

/// <summary>
/// What a flash run reports at the end. Progress, warnings and the failure details went to the log while it ran;
/// <see cref="Text"/> is the human summary for stdout, <see cref="Summary"/> the document for <c>--json</c>.
/// </summary>
public sealed record FlashResult(FlashStatus Status, string? Problem, string Text, FlashSummary? Summary);

/// <summary>The <c>--json</c> document of <c>rig flash</c>; secrets are masked. Property names become snake_case.</summary>
public sealed record FlashSummary(
    bool DryRun, string Port, string? Target, FlashNanoffSummary Nanoff, IReadOnlyList<FlashStepSummary> Steps, string? FailedStep,
    int ExitCode, string? DeviceConfigPath, JsonElement? DeviceConfig, string? Pinmap);

public sealed record FlashNanoffSummary(string? Path, string? FoundVia, string? Version, int? Syntax);

public sealed record FlashStepSummary(
    string Id, string Title, string Command, IReadOnlyList<string> Arguments, string Status, int? ExitCode, string? ExitMeaning,
    string? Problem, double? Seconds, IReadOnlyList<string>? LastLines);

/// <summary>Asks the operator for the device's MQTT login when no file gives it.</summary>
public interface ICredentialPrompt
{
    /// <summary>False when there is nobody to ask (input is redirected).</summary>
    bool CanAsk { get; }

    /// <summary>The login typed in; null for a broker without login.</summary>
    MqttCredentials? Ask();
}

/// <summary>
/// <c>rig flash</c>: reads and checks every input (all before nanoff is looked for or anyone is asked for a password, so a typo
/// costs nothing), finds nanoff, asks it for its grammar, writes the private files nanoff reads and runs the steps in order,
/// stopping at the first that fails. Progress and warnings go to <paramref name="log"/> (stderr), every line through the
/// <see cref="Masker"/>. Unusable inputs throw (<see cref="FlashInputException"/>, <see cref="NanoffNotFoundException"/>,
/// <see cref="BrokerUrlException"/>); their messages are masked with <see cref="Masker"/> by whoever prints them.
/// </summary>
public sealed class FlashWorkflow(FlashJob job, TextWriter log, ICredentialPrompt prompt)
{
    private const string Tag = "[rig flash]";

    /// <summary>Masks the secrets read so far; grows as credentials and the Wi-Fi password are read.</summary>
    public SecretMasker Masker { get; private set; } = SecretMasker.None;

    public async Task<FlashResult> RunAsync(INanoffProcess nanoff, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nanoff);
        string? address = null;
        if (job.Address is not null)
        {
            if (!NanoffCommands.TryNormalizeAddress(job.Address, out string normalized, out string problem))
            {
                throw new FlashInputException("--address", "--address: " + problem);
            }

            address = normalized;
        }

        BrokerAddress? brokerAddress = job.Broker is null ? null : BrokerAddress.Parse(job.Broker);
        string? caPem = null;
        if (brokerAddress is { UseTls: true } && job.RigId is not null)
        {
            // The ESP32 has no trust store: the device checks the broker's certificate against the CA written here.
            if (job.CaFile is null)
            {
                throw new FlashInputException("--ca-file", "an mqtts:// broker needs --ca-file: the PEM of the CA that signed the broker's certificate (the device has no trust store)");
            }

            BrokerLogin.LoadCas(job.CaFile);
            caPem = await File.ReadAllTextAsync(job.CaFile, cancellationToken);
            await log.WriteLineAsync($"{Tag} warning: TLS on the device is compile-checked only and has not been run on hardware yet (docs/security.md)");
        }

        PinMap? pinMap = null;
        string? pinMapPath = null;
        if (job.RigId is not null)
        {
            pinMapPath = job.PinMapFile ?? DefaultPinMapPath();
            pinMap = PinMap.Load(pinMapPath);
        }

        DeviceSafetyLimits? limits = job.LimitsFile is null || job.RigId is null ? null : DeviceSafetyLimits.Load(job.LimitsFile);

        MqttCredentials? credentials = null;
        if (job.CredentialsFile is not null)
        {
            credentials = CredentialsFile.Read(job.CredentialsFile);
            Masker = SecretMasker.For(credentials, null);
            await WarnIfReadableAsync(job.CredentialsFile);
        }

        WifiNetwork? wifi = null;
        if (job.WifiFile is not null)
        {
            wifi = CredentialsFile.ReadWifi(job.WifiFile);
            Masker = SecretMasker.For(credentials, wifi);
            await WarnIfReadableAsync(job.WifiFile);
        }

        bool askForCredentials = job.RigId is not null && credentials is null && !job.Anonymous;
        var location = FindNanoff(job.DryRun);
        if (!job.DryRun && PortProblem(job.Port) is { } portProblem)
        {
            return new FlashResult(FlashStatus.PortMissing, portProblem, "", null);
        }

        if (askForCredentials && !job.DryRun)
        {
            if (!prompt.CanAsk)
            {
                return new FlashResult(FlashStatus.NoTerminal,
                    "no --credentials FILE and no terminal to ask for the MQTT login on: pass --credentials FILE, or --anonymous for a broker without login", "", null);
            }

            credentials = prompt.Ask();
            Masker = SecretMasker.For(credentials, wifi);
        }

        DeviceConfiguration? configuration = job.RigId is null ? null : new DeviceConfiguration(job.RigId, brokerAddress!,
            askForCredentials && job.DryRun ? new MqttCredentials("asked at run time", "asked at run time") : credentials, pinMap!, job.WrittenBy, caPem,
            limits, job.LimitsFile ?? "--limits");
        var request = new FlashRequest
        {
            Port = job.Port,
            Target = job.Target,
            ClrFile = job.ClrFile,
            AppFile = job.AppFile,
            Address = address,
            Configuration = configuration,
            Wifi = wifi,
        };
        string program = location is null ? "nanoff" : location.Path;
        var report = new Report(job, DisplayName(location), location, Masker, log, configuration, pinMapPath);

        if (job.DryRun)
        {
            var dryRunSyntax = job.Syntax == NanoffSyntaxChoice.Verbs ? NanoffSyntax.Verbs : NanoffSyntax.Flags;
            var planned = FlashPlan.Build(request, dryRunSyntax, FlashWorkspace.DryRunFiles(request));
            return await report.DryRunAsync(planned, dryRunSyntax, askForCredentials, wifi);
        }

        NanoffSyntax syntax;
        string? version = null;
        if (job.Syntax == NanoffSyntaxChoice.Auto)
        {
            var probe = await FlashRunner.RunAsync(nanoff, program, [FlashPlan.Version()], new QuietProgress(), cancellationToken);
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
            syntax = job.Syntax == NanoffSyntaxChoice.Verbs ? NanoffSyntax.Verbs : NanoffSyntax.Flags;
        }

        await log.WriteLineAsync($"{Tag} nanoff: {location!.Path} ({(version is null ? "version not asked" : "version " + version)}; {SyntaxName(syntax)})");
        if (configuration is not null)
        {
            await log.WriteLineAsync($"{Tag} device safety limits: {configuration.LimitsLine()}");
        }

        using var workspace = configuration is null && wifi is null ? null : FlashWorkspace.Create(request);
        var steps = FlashPlan.Build(request, syntax, workspace?.Files ?? new FlashFiles(null, null));
        var outcome = await FlashRunner.RunAsync(nanoff, program, steps, new LogProgress(DisplayName(location), Masker, log), cancellationToken);
        return await report.OutcomeAsync(steps, outcome, syntax, version);
    }

    private async Task WarnIfReadableAsync(string path)
    {
        if (CredentialsFile.PermissionWarning(path) is { } warning)
        {
            await log.WriteLineAsync($"{Tag} warning: {warning}");
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

    /// <summary>Progress on the log: one line per step, nanoff's own output indented under it, every line through the masker.</summary>
    private sealed class LogProgress(string program, SecretMasker masker, TextWriter log) : IFlashProgress
    {
        public void StepStarting(int number, int count, FlashStep flashStep)
        {
            log.WriteLine(masker.Mask($"{Tag} step {number}/{count}: {flashStep.Title}"));
            log.WriteLine(masker.Mask($"{Tag}   $ {CommandLineText.Format(program, flashStep.Arguments)}"));
        }

        public void Output(FlashStep flashStep, string line) => log.WriteLine("  nanoff | " + masker.Mask(line));

        public void StepFinished(int number, int count, FlashStepResult result)
        {
            if (result.Succeeded)
            {
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Tag} step {number}/{count} done in {result.Duration.TotalSeconds:0.0} s"));
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

    /// <summary>Everything a flash run reports at the end: the dry-run script, the failure report, the summary line and the JSON document.</summary>
    private sealed class Report(FlashJob job, string program, NanoffLocation? location, SecretMasker masker, TextWriter log, DeviceConfiguration? configuration, string? pinMapPath)
    {
        public async Task<FlashResult> DryRunAsync(IReadOnlyList<FlashStep> steps, NanoffSyntax syntax, bool credentialsAskedLater, WifiNetwork? wifi)
        {
            if (location is null)
            {
                await log.WriteLineAsync($"{Tag} note: nanoff is not installed here, so a real run would stop with exit code {job.NanoffNotFoundExitCode}. {NanoffLocator.InstallHint}");
            }

            if (job.Syntax == NanoffSyntaxChoice.Auto)
            {
                await log.WriteLineAsync($"{Tag} note: a dry run runs nothing, not even 'nanoff --version', so it shows the 2.x syntax; a real run asks nanoff and uses the 3.x verbs if that is what is installed (--nanoff-syntax 3 shows them)");
            }

            if (wifi is not null)
            {
                await log.WriteLineAsync($"{Tag} network deployment for nanoff (Wi-Fi password masked):");
                await log.WriteLineAsync(masker.Mask(NetworkDeploymentDescriptor.ToJson(job.Port, wifi, maskPassword: true)).TrimEnd());
            }

            if (configuration is not null)
            {
                await log.WriteLineAsync($"{Tag} device configuration for {NanoffCommands.DeviceConfigPath} (pin map {pinMapPath}; credentials masked{(credentialsAskedLater ? ", asked on the terminal at run time" : "")}):");
                await log.WriteLineAsync(masker.Mask(configuration.Describe()).TrimEnd());
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

            return new FlashResult(FlashStatus.Planned, null, masker.Mask(output.ToString()),
                Summary([.. steps.Select(s => StepSummary(s, "planned", null))], syntax, null, null));
        }

        public async Task<FlashResult> ProbeFailedAsync(FlashStepResult probe)
        {
            string why = probe.Problem ?? (probe.ExitCode == 0 ? "its output has no version number" : $"it exited with {probe.ExitCode}");
            await log.WriteLineAsync($"rig flash: could not ask nanoff ({location!.Path}) for its version: {why}; --nanoff-syntax 2 or 3 skips the question");
            await PrintLastLinesAsync(probe.LastLines);
            return new FlashResult(FlashStatus.VersionUnknown, null, "", Summary([StepSummary(probe.Step, "failed", probe)], null, null, probe.Step.Id));
        }

        public async Task<FlashResult> OutcomeAsync(IReadOnlyList<FlashStep> steps, FlashOutcome outcome, NanoffSyntax syntax, string? version)
        {
            var results = outcome.Results.ToDictionary(r => r.Step.Id);
            var stepSummaries = steps.Select(s => results.TryGetValue(s.Id, out var r) ? StepSummary(s, r.Succeeded ? "ok" : "failed", r) : StepSummary(s, "not_run", null)).ToList();
            if (outcome.Failed is { } failed)
            {
                int number = steps.ToList().FindIndex(s => s.Id == failed.Step.Id) + 1;
                await log.WriteLineAsync(masker.Mask($"rig flash: step {number}/{steps.Count} failed: {failed.Step.Title}"));
                await log.WriteLineAsync(masker.Mask("  " + Describe(failed)));
                await log.WriteLineAsync(masker.Mask($"  command: {CommandLineText.Format(program, failed.Step.Arguments)}"));
                await PrintLastLinesAsync(failed.LastLines);
                foreach (var skipped in steps.Skip(number))
                {
                    await log.WriteLineAsync(masker.Mask($"  not run: {skipped.Title}"));
                }

                return new FlashResult(FlashStatus.StepFailed, null, "", Summary(stepSummaries, syntax, version, failed.Step.Id));
            }

            string text = masker.Mask($"rig flash: {steps.Count} step(s) done on {job.Port}: {string.Join("; ", steps.Select(s => s.Title))}") + Environment.NewLine;
            return new FlashResult(FlashStatus.Done, null, text, Summary(stepSummaries, syntax, version, null));
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

            await log.WriteLineAsync($"  last {lines.Count} line(s) from nanoff:");
            foreach (string line in lines)
            {
                await log.WriteLineAsync("    | " + masker.Mask(line));
            }
        }

        private FlashStepSummary StepSummary(FlashStep step, string status, FlashStepResult? result) => new(
            step.Id,
            masker.Mask(step.Title),
            masker.Mask(CommandLineText.Format(program, step.Arguments)),
            [.. step.Arguments.Select(masker.Mask)],
            status,
            result?.ExitCode,
            result?.ExitCode is { } code and not 0 ? NanoffExitCodes.Describe(code) : null,
            result?.Problem,
            result is null ? null : Math.Round(result.Duration.TotalSeconds, 1),
            result is null || result.Succeeded ? null : [.. result.LastLines.Select(masker.Mask)]);

        /// <summary>The document; <see cref="FlashSummary.ExitCode"/> is left 0 for the caller, who owns the exit codes, to fill in.</summary>
        private FlashSummary Summary(IReadOnlyList<FlashStepSummary> steps, NanoffSyntax? syntax, string? version, string? failedStep)
        {
            JsonElement? config = configuration is null ? null : JsonSerializer.Deserialize<JsonElement>(masker.Mask(configuration.Describe()));
            return new FlashSummary(job.DryRun, job.Port, job.Target,
                new FlashNanoffSummary(location?.Path, location?.FoundVia, version, syntax is null ? null : (int)syntax.Value),
                steps, failedStep, 0, configuration is null ? null : NanoffCommands.DeviceConfigPath, config, pinMapPath);
        }
    }
}
