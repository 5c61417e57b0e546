using System;
using System.CommandLine;
using System.IO;
using System.Reflection;
using Rig.Protocol;
using Rig.Provisioning.Flashing;

namespace Rig.Cli;

/// <summary>Options several commands share, with their validation.</summary>
internal static class CommonOptions
{
    public static Option<string> Rig(bool required, string defaultValue = "rig1")
    {
        var option = new Option<string>("--rig")
        {
            Description = "Rig id: " + RigId.Rule + " (it names MQTT topics and folders)",
            Required = required,
        };
        if (!required)
        {
            option.DefaultValueFactory = _ => defaultValue;
        }

        option.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string>();
            if (value is not null && !RigId.IsValid(value))
            {
                result.AddError(RigId.Problem(value));
            }
        });
        return option;
    }

    /// <summary>
    /// A command's cross-option check. A command validator runs even when an option's own value failed to parse (an option
    /// given without its value), and reading that option then throws instead of reporting; the parser reports that option's
    /// error on its own, so the cross-option check is skipped until every option parsed.
    /// </summary>
    public static Action<System.CommandLine.Parsing.CommandResult> CrossCheck(Action<System.CommandLine.Parsing.CommandResult> check) => result =>
    {
        foreach (var child in result.Children)
        {
            if (child is System.CommandLine.Parsing.OptionResult option
                && (System.Linq.Enumerable.Any(option.Errors) || option.Tokens.Count < option.Option.Arity.MinimumNumberOfValues && !option.Implicit))
            {
                return;
            }
        }

        check(result);
    };

    public static Option<string> Broker(bool required) => new("--broker")
    {
        Description = "Broker URL: mqtt://HOST[:PORT] or mqtts://HOST[:PORT]",
        Required = required,
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print a machine-readable JSON summary on stdout (progress still goes to stderr)",
    };

    public static Option<double> Speed(double defaultValue) => Positive(new Option<double>("--speed")
    {
        Description = "Virtual seconds per wall second (0 = as fast as possible)",
        DefaultValueFactory = _ => defaultValue,
    }, allowZero: true);

    public static Option<int> Seed() => new("--seed")
    {
        Description = "Random seed of the virtual rig (same seed, same session)",
        DefaultValueFactory = _ => 1,
    };

    /// <summary>
    /// `--limits FILE` of a virtual rig (rig demo, rig sim): the device safety limits a lab flashes with `rig flash --limits`
    /// (docs/cli.md, "Safety limits"), run by the virtual device, so a task or a calibration can be tried against them first.
    /// </summary>
    public static Option<string?> VirtualLimits()
    {
        var option = new Option<string?>("--limits")
        {
            Description = "JSON file of device safety limits, as for 'rig flash --limits' (valve hard maximum, host silence, water budget): the virtual device runs with them",
        };
        option.Validators.Add(r =>
        {
            string? path = r.GetValueOrDefault<string?>();
            if (path is not null && !File.Exists(path))
            {
                r.AddError($"--limits '{path}': no such file");
            }
        });
        return option;
    }

    /// <summary>
    /// The virtual device's configuration with the limits file at <paramref name="path"/> over <paramref name="device"/>
    /// (null: unchanged), checked as a flashed device checks them; says on stderr what the device runs with.
    /// Throws <see cref="global::Rig.Recording.Link.FlashInputException"/> (exit code 11) for limits the device would refuse.
    /// </summary>
    public static global::Rig.Firmware.DeviceConfig WithLimits(global::Rig.Firmware.DeviceConfig device, string? path, string tag)
    {
        if (path is null)
        {
            return device;
        }

        var limits = DeviceSafetyLimits.Load(path);
        limits.ApplyTo(device, path);
        Console.Error.WriteLine($"[{tag}] device safety limits: {DeviceSafetyLimits.Describe(device, limits)}");
        return device;
    }

    /// <summary>
    /// `--frame-rate-hz`: the imaging frame rate, a rig setting recorded in session.json and checked against the frame clock
    /// (docs/sync.md). For a virtual rig it is also the simulated scanner's rate (default 30 Hz); a real rig's scanner sets
    /// its own, so there it has no default.
    /// </summary>
    public static Option<double?> FrameRateHz(bool virtualScanner)
    {
        var option = new Option<double?>("--frame-rate-hz")
        {
            Description = virtualScanner
                ? "Imaging frame rate of the virtual scanner, Hz (a multi-plane mesoscope near 3, a resonant scope near 30; default 30); recorded in session.json"
                : "The rig's imaging frame rate setting, Hz (e.g. 3 for a multi-plane mesoscope): recorded in session.json and checked against the frame clock",
        };
        if (virtualScanner)
        {
            option.DefaultValueFactory = _ => 30;
        }

        option.Validators.Add(result =>
        {
            // A frame clock above 1 kHz is not an imaging rate (a resonant scanner's line clock is); at or below 0 it is no rate.
            if (result.GetValueOrDefault<double?>() is { } hz && (double.IsNaN(hz) || hz <= 0 || hz > 1000))
            {
                result.AddError($"--frame-rate-hz must be above 0 and at most 1000, not {hz}");
            }
        });
        return option;
    }

    public static Option<double> Positive(Option<double> option, bool allowZero = false)
    {
        option.Validators.Add(result =>
        {
            double value = result.GetValueOrDefault<double>();
            if (double.IsNaN(value) || value < 0 || (!allowZero && value == 0))
            {
                result.AddError($"{option.Name} must be {(allowZero ? "zero or more" : "more than zero")}, not {value}");
            }
        });
        return option;
    }

    /// <summary>A new session folder name under ./sessions: rig id and local start time.</summary>
    public static string DefaultSessionFolder(string rigId, TimeProvider time) =>
        Path.Combine("sessions", $"{rigId}-{time.GetLocalNow():yyyyMMdd-HHmmss}");

    public static string Software =>
        "rig " + (typeof(CommonOptions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?");
}
