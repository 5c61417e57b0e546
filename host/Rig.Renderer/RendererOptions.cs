using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using Rig.Recording.Link;

namespace Rig.Renderer;

/// <summary>Which corner of the display holds the photodiode patch (the sensor is taped over it).</summary>
public enum PhotodiodeCorner
{
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

/// <summary>How to run the <see cref="RendererServer"/> and what the page it serves draws (docs/vr.md, "The renderer").</summary>
public sealed record RendererOptions
{
    /// <summary>The page's default port; chosen clear of MQTT (1883, 8883), Mosquitto's WebSockets (9001) and 8080.</summary>
    public const int DefaultPort = 8090;

    /// <summary>The rig whose <c>vr/v1/{rig}/...</c> topics the page uses.</summary>
    public required string RigId { get; init; }

    /// <summary>
    /// Where the page's MQTT client connects: the embedded broker's <c>EmbeddedBroker.WebSocketUrl</c>, or Mosquitto's
    /// <c>protocol websockets</c> listener (e.g. <c>ws://rig-pc:9001/mqtt</c>). As the browser must reach it: a loopback
    /// address only works for a browser on the rig computer.
    /// </summary>
    public required Uri MqttWebSocketUrl { get; init; }

    /// <summary>The renderer's broker account (Mosquitto with <c>allow_anonymous false</c>); null for none.</summary>
    /// <remarks>Served in /config.json to whoever can reach the page: bind to loopback, or give the account only VR topics.</remarks>
    public MqttCredentials? Credentials { get; init; }

    /// <summary>The address the page is served on; loopback keeps it on this computer. Any other address needs <see cref="Insecure"/>.</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    /// <summary>
    /// Allows a non-loopback <see cref="BindAddress"/>: the page has no login of its own and hands its broker account to
    /// whoever loads /config.json, so on the network it must be asked for explicitly (docs/security.md).
    /// </summary>
    public bool Insecure { get; init; }

    /// <summary>TCP port; 0 lets the operating system pick a free one (see <see cref="RendererServer.Url"/>).</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>
    /// The page publishes a <c>vr/v1/{rig}/frame</c> message per drawn frame (true: it is the session's renderer). False
    /// makes it a viewer: it draws the scene but reports nothing, for when another renderer's frames are the record (the
    /// virtual rig's simulated display in `rig demo`): two renderers on one frame topic would interleave their frame ids.
    /// </summary>
    public bool ReportFrames { get; init; } = true;

    /// <summary>Horizontal field of view of ONE screen, in degrees; screens side by side are turned by this much each.</summary>
    public double FieldOfViewDegrees { get; init; } = 90;

    /// <summary>Screens side by side across the page (1 to 3): a lab's monitors, or the slices of a curved screen.</summary>
    public int Screens { get; init; } = 1;

    public PhotodiodeCorner PhotodiodeCorner { get; init; } = PhotodiodeCorner.BottomRight;

    /// <summary>Side of the square photodiode patch in CSS pixels.</summary>
    public int PhotodiodeSizePixels { get; init; } = 64;

    /// <summary>Width of the virtual corridor in dm (the walls are half of it left and right of the mouse).</summary>
    public double CorridorWidthDm { get; init; } = 3;

    /// <summary>Height of the mouse's eye above the corridor floor, in dm.</summary>
    public double EyeHeightDm { get; init; } = 0.5;
}

/// <summary>Checks <see cref="RendererOptions"/> and names every problem.</summary>
public static class RendererOptionsValidator
{
    /// <summary>Every problem with <paramref name="options"/>, empty when they are usable.</summary>
    public static IReadOnlyList<string> Validate(RendererOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.RigId) || options.RigId.AsSpan().IndexOfAny("/+#") >= 0)
        {
            problems.Add($"RigId '{options.RigId}' must be a non-empty MQTT topic level (no '/', '+' or '#')");
        }

        if (options.MqttWebSocketUrl is not { IsAbsoluteUri: true } url || (url.Scheme != "ws" && url.Scheme != "wss"))
        {
            problems.Add($"MqttWebSocketUrl '{options.MqttWebSocketUrl}' must be an absolute ws:// or wss:// URL (e.g. ws://127.0.0.1:9001/mqtt)");
        }

        if (options.BindAddress is null)
        {
            problems.Add("BindAddress is missing (127.0.0.1 keeps the page on this computer)");
        }
        else if (!NetworkExposure.IsLoopback(options.BindAddress) && !options.Insecure)
        {
            problems.Add($"BindAddress {options.BindAddress} is not loopback: the page has no login and serves its broker account to anyone who loads it; " +
                "serve it on 127.0.0.1, or set Insecure to put it on the network");
        }

        if (options.Port is < 0 or > 65535)
        {
            problems.Add($"Port {options.Port} is outside 0-65535 (0 picks a free port)");
        }

        if (!(options.FieldOfViewDegrees is >= 10 and <= 170))
        {
            problems.Add($"FieldOfViewDegrees {Format(options.FieldOfViewDegrees)} is outside 10-170 (horizontal, per screen)");
        }

        if (options.Screens is < 1 or > 3)
        {
            problems.Add($"Screens {options.Screens} is outside 1-3");
        }

        if (!Enum.IsDefined(options.PhotodiodeCorner))
        {
            problems.Add($"PhotodiodeCorner {(int)options.PhotodiodeCorner} is not a corner");
        }

        if (options.PhotodiodeSizePixels is < 4 or > 512)
        {
            problems.Add($"PhotodiodeSizePixels {options.PhotodiodeSizePixels} is outside 4-512");
        }

        if (!(options.CorridorWidthDm is > 0 and <= 100))
        {
            problems.Add($"CorridorWidthDm {Format(options.CorridorWidthDm)} is outside (0, 100]");
        }

        if (!(options.EyeHeightDm > 0 && options.EyeHeightDm < 100))
        {
            problems.Add($"EyeHeightDm {Format(options.EyeHeightDm)} is outside (0, 100)");
        }

        return problems;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming every problem.</summary>
    public static void ThrowIfInvalid(RendererOptions options)
    {
        var problems = Validate(options);
        if (problems.Count > 0)
        {
            throw new ArgumentException("renderer options: " + string.Join("; ", problems), nameof(options));
        }
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
