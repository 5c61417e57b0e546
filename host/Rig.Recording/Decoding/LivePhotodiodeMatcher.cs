using System;
using System.Collections.Generic;
using Rig.Recording.Sync;

namespace Rig.Recording.Decoding;

/// <summary>What the photodiode says about a rendered frame.</summary>
public enum VrFrameStatus
{
    /// <summary>A flip of the patch showed it: its display time is known on the device clock.</summary>
    Displayed,

    /// <summary>No flip, and showing it would have flipped the patch (the last frame shown had the other colour): never shown.</summary>
    Dropped,

    /// <summary>No flip, but the patch already had its colour (a frame after a dropped one): shown or not, the photodiode cannot tell.</summary>
    Unobservable,

    /// <summary>Outside what the photodiode watched: before the first frame it showed, after the last, or with no flips at all.</summary>
    Unverified,
}

/// <summary>A rendered frame once the matcher has decided it (each frame exactly once, in the order frames arrived).</summary>
/// <param name="Run">The renderer run (frame ids restart at 0 when a renderer restarts), 0-based in the session.</param>
/// <param name="ReceivedNanos">Host ns the frame message was journaled.</param>
/// <param name="BootId">The device boot current when the frame arrived: the boot its scene <c>t_us</c> belongs to.</param>
/// <param name="FlipBootId">The boot whose photodiode edge showed the frame (displayed frames only).</param>
/// <param name="FlipDeviceMicros">Device µs of that edge (displayed frames only).</param>
/// <param name="FlipHostNanos">That edge on the host clock through the boot's clock map as it was when the frame was matched.</param>
/// <param name="Repeated">Displayed and left on screen for more refreshes than the frames after it can explain (the renderer missed a refresh).</param>
/// <param name="FirstShowingOfScene">
/// Displayed, and no earlier displayed frame of its run drew the same scene state: the frame whose flip measures
/// motion-to-photon. A renderer draws the newest state at every refresh, so a state older than a refresh is drawn again; its
/// later showings measure how long the state stayed current, not how long movement took to reach the screen.
/// </param>
public sealed record VrFrameOutcome(int Run, long FrameId, long RenderNanos, long ReceivedNanos, uint? BootId, long? SceneMicros, double? PosDm,
    string Wall, int Trial, VrFrameStatus Status, uint? FlipBootId, ulong? FlipDeviceMicros, double? FlipHostNanos, bool Repeated,
    bool FirstShowingOfScene = false);

/// <summary>Receives every rendered frame once the live matcher has decided it (a derivation table builder).</summary>
public interface IVrFrameSink
{
    void OnVrFrame(VrFrameOutcome frame);
}

/// <summary>Settings of <see cref="LivePhotodiodeMatcher"/>. The decoder uses the defaults, so live and re-decoded counts agree.</summary>
public sealed record PhotodiodeMatchOptions
{
    /// <summary>
    /// How far the other stream must have moved past a frame or a flip, in host ns, before it is decided without a partner: a
    /// frame is unverified once flips up to its render time + this have been matched, a flip unmatched once frames rendered
    /// this long after it have arrived. Measured on the streams, not on arrival, because frames and device batches travel
    /// separately (a virtual rig at 60x delivers frame messages seconds of session time after the batches). 2 s covers a
    /// Wi-Fi straggler (busy Wi-Fi scenario: 1% of messages 50–200 ms late) and a batch resent after the bridge's 300 ms
    /// gap grace (BridgeOptions.GapGrace).
    /// </summary>
    public long HorizonNanos { get; init; } = 2_000_000_000;

    /// <summary>
    /// The longest a frame or flip waits, in host ns since it was received, when the other stream has stopped (a dead
    /// photodiode, a renderer gone): it is then decided without a partner, so memory stays bounded.
    /// </summary>
    public long MaxWaitNanos { get; init; } = 30_000_000_000;

    /// <summary>
    /// The display's refresh period, ns, until enough flips have measured it (60 Hz, the scene rate's default; docs/vr.md). Also
    /// the largest distance, from the expected display time, at which a flip is taken as a frame's.
    /// </summary>
    public long RefreshPeriodNanos { get; init; } = 16_666_667;

    /// <summary>Flips matched to the latest frame of their colour before the latency estimate takes over.</summary>
    public int BootstrapMatches { get; init; } = 8;

    /// <summary>Matched latencies (and single-frame flip intervals) the running medians are taken over.</summary>
    public int Window { get; init; } = 63;
}

/// <summary>
/// Matches photodiode flips to rendered frames as they arrive (the streaming sibling of Rig.Experiment's batch
/// <c>PhotodiodeMatcher</c>), inside the <see cref="SessionDecoder"/>: live in the bridge and in the replay alike, so the
/// counts are the same. Flips are taken in the device's order (event numbers), each once every batch before its own has
/// arrived: a batch resent over a lossy link arrives after later ones, and a flip matched out of order would pass over the
/// frames the earlier flips showed. A flip to white can only show an even frame id, to black an odd one; among the frames of
/// that parity not yet passed, it shows the one whose render time plus the display latency (a running median) is nearest. Flip device µs
/// are put on the host clock through the boot's clock map as it is when the flip is matched. A frame passed over by a later
/// displayed one is dropped when showing it would have flipped the patch, unobservable when the patch already had its
/// colour. Frames are handed on in arrival order, each once, when decided.
/// </summary>
public sealed class LivePhotodiodeMatcher
{
    private readonly PhotodiodeMatchOptions _options;
    private readonly Func<uint, ClockMap?> _clocks;
    private readonly Func<uint, uint, bool> _arrivedBefore;
    private readonly Action<VrFrameOutcome>? _emit;
    private readonly List<Pending> _frames = [];
    private readonly List<Flip> _flips = [];
    private readonly Dictionary<uint, int> _bootOrder = [];
    private readonly Ring _latencies;
    private readonly Ring _periods;
    private readonly List<double> _motionToPhoton = [];
    private readonly List<double> _displayLatency = [];
    private int _head;
    private long _ordinal;
    private long _maxRenderNanos = long.MinValue;
    private double _maxFlipHostNanos = double.MinValue;
    private int _flipHead;
    private (uint Boot, uint Batch)? _cleared;
    private Pending? _lastShown;
    private (int Run, uint? Boot, long Scene)? _lastMeasuredScene;
    private bool _finishing;

    /// <param name="clocks">The clock map of a boot (null for a boot without one yet).</param>
    /// <param name="emit">Receives each frame once decided.</param>
    /// <param name="arrivedBefore">
    /// Whether every batch of a boot numbered below a batch number has arrived (or is known gone): a flip is matched only then, or
    /// once it has waited <see cref="PhotodiodeMatchOptions.MaxWaitNanos"/>. Null: flips are matched as they arrive.
    /// </param>
    public LivePhotodiodeMatcher(Func<uint, ClockMap?> clocks, Action<VrFrameOutcome>? emit = null, PhotodiodeMatchOptions? options = null,
        Func<uint, uint, bool>? arrivedBefore = null)
    {
        _clocks = clocks ?? throw new ArgumentNullException(nameof(clocks));
        _arrivedBefore = arrivedBefore ?? ((_, _) => true);
        _emit = emit;
        _options = options ?? new PhotodiodeMatchOptions();
        _latencies = new Ring(_options.Window);
        _periods = new Ring(_options.Window);
    }

    public long Displayed { get; private set; }
    public long Dropped { get; private set; }
    public long Unobservable { get; private set; }
    public long Unverified { get; private set; }
    public long Repeated { get; private set; }

    /// <summary>Photodiode edges (channel 0) received.</summary>
    public long Flips { get; private set; }

    /// <summary>Flips no rendered frame explains (noise on the line, a frame whose message never arrived, a flip too late to match).</summary>
    public long UnmatchedFlips { get; private set; }

    /// <summary>Frames not decided yet (waiting for a flip), and flips not matched yet.</summary>
    public long PendingFrames => _frames.Count - _head;

    public long PendingFlips => _flips.Count - _flipHead;

    /// <summary>
    /// Flip device µs − the scene's device µs, µs, per displayed frame whose flip and scene share a boot and that is the first
    /// displayed frame of its scene state (<see cref="VrFrameOutcome.FirstShowingOfScene"/>).
    /// </summary>
    public IReadOnlyList<double> MotionToPhotonMicros => _motionToPhoton;

    /// <summary>Flip host ns − render host ns, per displayed frame, µs.</summary>
    public IReadOnlyList<double> DisplayLatencyMicros => _displayLatency;

    /// <summary>A rendered frame, in the order frames arrive.</summary>
    public void OnFrame(int run, in VrFrameMessage frame, long receivedNanos, uint? bootId)
    {
        _frames.Add(new Pending(run, frame, receivedNanos, bootId, _ordinal++));
        _maxRenderNanos = Math.Max(_maxRenderNanos, frame.RenderNanos);
    }

    /// <summary>
    /// A photodiode edge (new level 0 or 1), in any order: it is put among the waiting flips in the device's order, by boot (in
    /// the order boots were first seen) and event number.
    /// </summary>
    /// <param name="batchSeq">The batch it came in: it waits for the boot's batches before that one.</param>
    public void OnFlip(uint bootId, uint batchSeq, ulong eventSeq, ulong deviceMicros, long level, long receivedNanos)
    {
        Flips++;
        if (!_bootOrder.TryGetValue(bootId, out int boot))
        {
            boot = _bootOrder.Count;
            _bootOrder[bootId] = boot;
        }

        var flip = new Flip(bootId, boot, batchSeq, eventSeq, deviceMicros, level != 0, receivedNanos);
        int i = _flips.Count;
        while (i > _flipHead && flip.Before(_flips[i - 1]))
        {
            // Late flips (a resent batch) are few and close to the end: a walk back beats a search.
            i--;
        }

        _flips.Insert(i, flip);
    }

    /// <summary>Matches what can be matched and decides what can be decided, as of host time <paramref name="nowNanos"/> (the latest record's).</summary>
    public void Pump(long nowNanos)
    {
        while (_flipHead < _flips.Count)
        {
            var flip = _flips[_flipHead];
            bool waitedOut = _finishing || nowNanos - flip.ReceivedNanos > _options.MaxWaitNanos;
            if (!waitedOut && !ArrivedBefore(flip))
            {
                // An earlier batch is still missing (resent over a lossy link, it arrives after later ones): its flips come first.
                break;
            }

            var mapped = _clocks(flip.BootId)?.ToHost(flip.DeviceMicros);
            if (mapped is null)
            {
                if (!waitedOut)
                {
                    break;
                }

                _flipHead++;
                UnmatchedFlips++;
                continue;
            }

            double t = mapped.Value.HostNanos;
            bool expired = waitedOut || _maxRenderNanos > t + _options.HorizonNanos;
            if (_maxRenderNanos < t && !expired)
            {
                // Frames rendered up to the flip may still be on their way.
                break;
            }

            _flipHead++;
            _maxFlipHostNanos = Math.Max(_maxFlipHostNanos, t);
            Match(flip, t);
        }

        if (_flipHead > 4096)
        {
            _flips.RemoveRange(0, _flipHead);
            _flipHead = 0;
        }

        Settle(nowNanos);
    }

    // Batches once all there stay there: a flip whose batch is at or below the last one found complete is not asked about
    // again (the head flip waits for frames at most records, and each record pumps).
    private bool ArrivedBefore(Flip flip)
    {
        if (_cleared is { } c && c.Boot == flip.BootId && c.Batch >= flip.BatchSeq)
        {
            return true;
        }

        if (!_arrivedBefore(flip.BootId, flip.BatchSeq))
        {
            return false;
        }

        _cleared = (flip.BootId, flip.BatchSeq);
        return true;
    }

    /// <summary>The session is over: every flip is matched or counted and every frame decided.</summary>
    public void Finish(long nowNanos)
    {
        _finishing = true;
        Pump(nowNanos);
        _finishing = false;
    }

    private void Match(Flip flip, double t)
    {
        int parity = flip.White ? 0 : 1;
        long passed = _lastShown?.Ordinal ?? -1;
        Pending? best = null;
        if (_latencies.Count < _options.BootstrapMatches)
        {
            // No latency known yet: the latest frame of the flip's colour rendered before it (display latency under two frames).
            for (int i = _frames.Count - 1; i >= _head && _frames[i].Ordinal > passed; i--)
            {
                var p = _frames[i];
                if (p.Status is null && Parity(p) == parity && p.Message.RenderNanos <= t)
                {
                    best = p;
                    break;
                }
            }
        }
        else
        {
            double expected = t - _latencies.Median();
            double bestDistance = double.MaxValue;
            for (int i = _head; i < _frames.Count; i++)
            {
                var p = _frames[i];
                if (p.Ordinal <= passed || p.Status is not null || Parity(p) != parity || p.Message.RenderNanos > t)
                {
                    continue;
                }

                double distance = Math.Abs(expected - p.Message.RenderNanos);
                if (distance < bestDistance)
                {
                    (best, bestDistance) = (p, distance);
                }
            }

            if (bestDistance > _options.RefreshPeriodNanos)
            {
                best = null;
            }
        }

        if (best is null)
        {
            UnmatchedFlips++;
            return;
        }

        for (int i = _head; i < _frames.Count && _frames[i].Ordinal < best.Ordinal; i++)
        {
            var p = _frames[i];
            if (p.Ordinal > passed && p.Status is null)
            {
                p.Status = _lastShown is null ? VrFrameStatus.Unverified
                    : Parity(p) == Parity(_lastShown) ? VrFrameStatus.Unobservable : VrFrameStatus.Dropped;
            }
        }

        if (_lastShown is { FlipHostNanos: { } previous } last && last.Run == best.Run && !last.Emitted)
        {
            long ids = best.Message.FrameId - last.Message.FrameId;
            double gap = t - previous;
            double period = _periods.Count == 0 ? _options.RefreshPeriodNanos : _periods.Median();
            // Refreshes the frames in between can fill: the last one shown plus, at most, every other frame after it (the
            // others would have flipped the patch).
            long explained = 1 + (ids - 1) / 2;
            last.Repeated = Math.Round(gap / period) > explained;
            if (ids == 1)
            {
                _periods.Add(gap);
            }
        }

        best.Status = VrFrameStatus.Displayed;
        best.FlipBootId = flip.BootId;
        best.FlipDeviceMicros = flip.DeviceMicros;
        best.FlipHostNanos = t;
        _latencies.Add(t - best.Message.RenderNanos);
        _lastShown = best;
    }

    // Hands on decided frames in arrival order. The last frame shown is held until the next is matched (which tells whether it
    // stayed on screen longer) or the horizon passes; undecided frames past the horizon are unverified.
    private void Settle(long nowNanos)
    {
        // A flip still inside its own wait may be the one that shows the frame (held back for an earlier batch, or for its clock
        // map): frames do not time out while it waits. It is decided within MaxWait of its arrival, so frames stay bounded.
        bool flipWaiting = _flipHead < _flips.Count && nowNanos - _flips[_flipHead].ReceivedNanos <= _options.MaxWaitNanos;
        while (_head < _frames.Count)
        {
            var p = _frames[_head];
            bool expired = _finishing || (nowNanos - p.ReceivedNanos > _options.MaxWaitNanos && !flipWaiting)
                || _maxFlipHostNanos > p.Message.RenderNanos + _options.HorizonNanos;
            if (p.Status is null)
            {
                if (!expired)
                {
                    return;
                }

                p.Status = VrFrameStatus.Unverified;
            }
            else if (ReferenceEquals(p, _lastShown) && !expired)
            {
                return;
            }

            Emit(p);
            _head++;
        }

        if (_head > 4096)
        {
            _frames.RemoveRange(0, _head);
            _head = 0;
        }
    }

    private void Emit(Pending p)
    {
        p.Emitted = true;
        bool firstShowing = false;
        switch (p.Status)
        {
            case VrFrameStatus.Displayed:
                Displayed++;
                Repeated += p.Repeated ? 1 : 0;
                _displayLatency.Add((p.FlipHostNanos!.Value - p.Message.RenderNanos) / 1000);
                if (p.Message.SceneMicros is { } scene)
                {
                    // Frames are emitted in arrival (drawing) order, so the first displayed frame of a state comes first.
                    var key = (p.Run, p.BootId, scene);
                    firstShowing = _lastMeasuredScene != key;
                    _lastMeasuredScene = key;
                    if (firstShowing && p.FlipBootId == p.BootId)
                    {
                        _motionToPhoton.Add((double)p.FlipDeviceMicros!.Value - scene);
                    }
                }

                break;
            case VrFrameStatus.Dropped:
                Dropped++;
                break;
            case VrFrameStatus.Unobservable:
                Unobservable++;
                break;
            default:
                Unverified++;
                break;
        }

        var m = p.Message;
        _emit?.Invoke(new VrFrameOutcome(p.Run, m.FrameId, m.RenderNanos, p.ReceivedNanos, p.BootId, m.SceneMicros, m.PosDm, m.Wall, m.Trial,
            p.Status!.Value, p.FlipBootId, p.FlipDeviceMicros, p.FlipHostNanos, p.Repeated, firstShowing));
    }

    private static int Parity(Pending p) => (int)(p.Message.FrameId & 1);

    private sealed class Pending(int run, VrFrameMessage message, long receivedNanos, uint? bootId, long ordinal)
    {
        public int Run { get; } = run;
        public VrFrameMessage Message { get; } = message;
        public long ReceivedNanos { get; } = receivedNanos;
        public uint? BootId { get; } = bootId;
        public long Ordinal { get; } = ordinal;
        public VrFrameStatus? Status { get; set; }
        public uint? FlipBootId { get; set; }
        public ulong? FlipDeviceMicros { get; set; }
        public double? FlipHostNanos { get; set; }
        public bool Repeated { get; set; }
        public bool Emitted { get; set; }
    }

    /// <param name="BootOrder">The boot's place in the order boots were first seen: flips of an earlier boot come first.</param>
    private readonly record struct Flip(uint BootId, int BootOrder, uint BatchSeq, ulong EventSeq, ulong DeviceMicros, bool White, long ReceivedNanos)
    {
        public bool Before(Flip other) => BootOrder != other.BootOrder ? BootOrder < other.BootOrder : EventSeq < other.EventSeq;
    }

    // The latest values, for a running median.
    private sealed class Ring(int capacity)
    {
        private readonly double[] _values = new double[capacity];
        private readonly double[] _sorted = new double[capacity];
        private int _next;

        public int Count { get; private set; }

        public void Add(double value)
        {
            _values[_next] = value;
            _next = (_next + 1) % _values.Length;
            Count = Math.Min(Count + 1, _values.Length);
        }

        public double Median()
        {
            Array.Copy(_values, _sorted, Count);
            Array.Sort(_sorted, 0, Count);
            return _sorted[Count / 2];
        }
    }
}
