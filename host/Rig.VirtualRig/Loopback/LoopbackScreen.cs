using System;
using System.Collections.Generic;
using Rig.Firmware.Hardware;
using Rig.Provisioning.Loopback;
using Rig.VirtualRig.Peripherals;

namespace Rig.VirtualRig.Loopback;

/// <summary>Settings of <see cref="LoopbackScreen"/>: the simulated renderer and display of the renderer-to-photodiode leg.</summary>
public sealed record LoopbackScreenOptions
{
    public double RefreshHz { get; init; } = 60;

    /// <summary>Mean frame render → photodiode flip, µs (default 25 ms: a refresh of queueing, scan-out and an LCD's switching).</summary>
    public double LatencyMicros { get; init; } = 25_000;

    /// <summary>Half-width of a uniform spread of that latency, µs.</summary>
    public double JitterMicros { get; init; } = 2_000;

    /// <summary>Chance that a frame is never shown (a missed vsync), 0 to 1.</summary>
    public double DropProbability { get; init; } = 0.005;

    /// <summary>Photodiode cable connected; false: no flip ever reaches the input.</summary>
    public bool Connected { get; init; } = true;

    public int Seed { get; init; } = 1;

    public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"simulated screen {RefreshHz:0.#} Hz, display latency {LatencyMicros / 1000:0.###} ms ± {JitterMicros / 1000:0.###} ms (uniform), {DropProbability * 100:0.###} % frames dropped{(Connected ? "" : ", photodiode unplugged")}");
}

/// <summary>
/// The renderer-to-photodiode loopback leg's simulated renderer and screen, plugged into the virtual rig's photodiode input
/// (an <see cref="ISimInput"/>): from <see cref="Start"/> on it draws one frame per refresh; each frame is shown after
/// the latency model or dropped; a shown frame whose patch colour (white on even ids) differs from what the screen shows
/// flips the photodiode. Works on the rig's true time, which is its device time when the rig has no world (checked in
/// <see cref="LoopbackFixture"/>). Keeps the ground truth: the frames dropped and those shown without a flip.
/// </summary>
public sealed class LoopbackScreen : ISimInput, ILoopbackScreen
{
    private readonly LoopbackScreenOptions _options;
    private readonly object _gate = new();
    private readonly List<LoopbackFrame> _frames = [];
    private readonly List<(ulong Micros, byte Level)> _flips = [];
    private readonly List<long> _dropped = [];
    private readonly List<long> _shownWithoutFlip = [];
    private int _nextFlip;
    private ulong _emittedUntil;

    public LoopbackScreen(LoopbackScreenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.RefreshHz > 0) || !double.IsFinite(options.RefreshHz) || !(options.LatencyMicros >= 0) || !(options.JitterMicros >= 0)
            || options.JitterMicros > options.LatencyMicros || options.DropProbability is < 0 or > 1)
        {
            throw new ArgumentException("the loopback screen needs a refresh rate above 0, a latency of 0 or more with a jitter no larger than it, and a drop probability of 0 to 1", nameof(options));
        }

        _options = options;
    }

    public double RefreshHz => _options.RefreshHz;

    /// <summary>Ground truth: frames never shown.</summary>
    public IReadOnlyList<long> Dropped
    {
        get
        {
            lock (_gate)
            {
                return [.. _dropped];
            }
        }
    }

    /// <summary>Ground truth: frames shown while the patch already had their colour (no flip).</summary>
    public IReadOnlyList<long> ShownWithoutFlip
    {
        get
        {
            lock (_gate)
            {
                return [.. _shownWithoutFlip];
            }
        }
    }

    /// <summary>How far ahead of the rig's time the first frame is drawn at the earliest, µs: flips are never scheduled in the rig's past.</summary>
    public const ulong LeadMicros = 100_000;

    public ulong Start(ulong startDeviceMicros, int frames)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frames);
        var random = new Random(_options.Seed);
        double period = 1e6 / _options.RefreshHz;
        lock (_gate)
        {
            if (_frames.Count > 0)
            {
                throw new InvalidOperationException("the loopback screen draws one run only");
            }

            // The rig may have run past the asked start while the command travelled (fast virtual time).
            startDeviceMicros = Math.Max(startDeviceMicros, _emittedUntil + LeadMicros);
            byte shown = 0;
            ulong lastFlip = 0;
            for (int k = 0; k < frames; k++)
            {
                ulong render = startDeviceMicros + (ulong)Math.Round(k * period);
                var frame = new LoopbackFrame(k, render);
                _frames.Add(frame);
                bool drop = random.NextDouble() < _options.DropProbability;
                double offset = _options.JitterMicros * ((2 * random.NextDouble()) - 1);
                if (drop)
                {
                    _dropped.Add(k);
                    continue;
                }

                if (frame.PatchLevel == shown)
                {
                    _shownWithoutFlip.Add(k);
                    continue;
                }

                // A display shows frames in order: a flip never comes before the previous one.
                ulong at = Math.Max(lastFlip + 1, render + (ulong)Math.Round(_options.LatencyMicros + offset));
                shown = frame.PatchLevel;
                lastFlip = at;
                if (_options.Connected)
                {
                    _flips.Add((at, shown));
                }
            }
        }

        return startDeviceMicros;
    }

    /// <summary>The frames drawn up to the time the rig has reached.</summary>
    public IReadOnlyList<LoopbackFrame> FramesDrawn()
    {
        lock (_gate)
        {
            return _frames.FindAll(f => f.RenderDeviceMicros <= _emittedUntil);
        }
    }

    public void EmitUntil(ulong untilMicros, SimCaptureSource sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        lock (_gate)
        {
            _emittedUntil = Math.Max(_emittedUntil, untilMicros);
            while (_nextFlip < _flips.Count && _flips[_nextFlip].Micros <= untilMicros)
            {
                var (micros, level) = _flips[_nextFlip++];
                sink.Schedule(new CaptureRecord(micros, CaptureLine.Photodiode, 0, level));
            }
        }
    }
}
