using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Rig.VirtualRig.Capture;

namespace Rig.Firmware.Tests.CaptureVectors;

/// <summary>
/// Runs one shared capture vector (tests/vectors/capture, format in its README.md) against
/// <see cref="CaptureCoreModel"/>: the C# twin of firmware/native/tests/vector_runner.cpp.
/// </summary>
public sealed class CaptureVectorRunner : ICaptureHardware
{
    private static readonly Dictionary<string, byte> Lines = new(StringComparer.Ordinal)
    {
        ["lick"] = 1, ["frame"] = 2, ["photodiode"] = 3, ["ttl"] = 4, ["valve"] = 5, ["tone"] = 6, ["sync"] = 7, ["encoder"] = 8,
    };

    private static readonly Dictionary<string, CaptureFlags> Flags = new(StringComparer.Ordinal)
    {
        ["reward"] = CaptureFlags.Reward, ["forced"] = CaptureFlags.Forced, ["gap"] = CaptureFlags.Gap,
        ["settled"] = CaptureFlags.Settled, ["scheduled"] = CaptureFlags.Scheduled, ["trigger"] = CaptureFlags.Trigger,
    };

    private static readonly string[] CounterNames =
        ["overflows", "glitches", "same_level", "settled", "over_max", "busy", "rewards", "expired", "licks_while_open", "samples", "samples_missed",
            "capture_clamped", "capture_unanchored", "not_onset"];

    private readonly List<NativeRecord> _actual = [];
    private CaptureCoreModel _core;
    private int _raw;
    private ulong _now;

    private CaptureVectorRunner()
    {
        _core = new CaptureCoreModel(this, 64);
    }

    /// <summary>Runs the file; returns what differed (empty when the model produced exactly the expected stream and counters).</summary>
    public static string Run(string path) => new CaptureVectorRunner().RunFile(path);

    private string RunFile(string path)
    {
        var expected = new List<NativeRecord>();
        var expectedCounters = new Dictionary<string, uint>(StringComparer.Ordinal);
        var problems = new StringBuilder();
        bool ended = false;
        string name = Path.GetFileName(path);
        string[] text = File.ReadAllLines(path);
        for (int number = 1; number <= text.Length; number++)
        {
            string line = text[number - 1];
            int hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                line = line[..hash];
            }

            string[] tokens = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 0)
            {
                continue;
            }

            try
            {
                switch (tokens[0])
                {
                    case "record":
                        Need(tokens.Length == 7, "record needs: time line channel level value flags");
                        expected.Add(new NativeRecord(ToUInt(tokens[1]), ToInt(tokens[5]), LineNumber(tokens[2]),
                            (byte)ToUInt(tokens[3]), (byte)ToUInt(tokens[4]), ParseFlags(tokens[6])));
                        break;
                    case "counter":
                        Need(tokens.Length == 3, "counter needs: name value");
                        Need(CounterNames.Contains(tokens[1]), "unknown counter '" + tokens[1] + "'");
                        expectedCounters[tokens[1]] = (uint)ToUInt(tokens[2]);
                        break;
                    case "end":
                        Need(tokens.Length == 2, "end needs a time");
                        Advance(ToUInt(tokens[1]));
                        Drain(uint.MaxValue);
                        ended = true;
                        break;
                    default:
                        Need(!ended, "command after 'end'");
                        string check = Execute(tokens);
                        if (check.Length > 0)
                        {
                            problems.Append(CultureInfo.InvariantCulture, $"{name}:{number}: {check}\n");
                        }

                        break;
                }
            }
            catch (FormatException e)
            {
                return $"{name}:{number}: {e.Message}";
            }
        }

        if (!ended)
        {
            return name + ": no 'end <time>' line";
        }

        int n = Math.Max(expected.Count, _actual.Count);
        for (int i = 0; i < n; i++)
        {
            string want = i < expected.Count ? Describe(expected[i]) : "(nothing)";
            string got = i < _actual.Count ? Describe(_actual[i]) : "(nothing)";
            if (want != got)
            {
                problems.Append(CultureInfo.InvariantCulture, $"{name}: record {i}: expected '{want}', got '{got}'\n");
            }
        }

        var c = _core.Counters;
        uint[] values = [c.Overflows, c.Glitches, c.SameLevel, c.Settled, c.OverMax, c.Busy, c.Rewards, c.Expired, c.LicksWhileOpen, c.Samples, c.SamplesMissed,
            c.CaptureClamped, c.CaptureUnanchored, c.NotOnset];
        for (int i = 0; i < CounterNames.Length; i++)
        {
            uint want = expectedCounters.TryGetValue(CounterNames[i], out uint v) ? v : 0;
            if (want != values[i])
            {
                problems.Append(CultureInfo.InvariantCulture, $"{name}: counter {CounterNames[i]}: expected {want}, got {values[i]}\n");
            }
        }

        return problems.ToString();
    }

    // Deadlines due by t are handled in order, each at its own time, as a punctual hardware timer would.
    private void Advance(ulong t)
    {
        Need(t >= _now, "time goes backwards");
        for (ulong due = _core.NextDeadline; due <= t; due = _core.NextDeadline)
        {
            _now = due;
            _core.Poll(due);
        }

        _now = t;
    }

    private void Drain(uint max)
    {
        byte[] bytes = new byte[NativeRecord.Bytes * 16];
        while (max > 0)
        {
            int want = (int)Math.Min(max, 16u);
            int n = _core.DrainBytes(bytes, want);
            Need(n >= 0, "drain failed: " + n);
            for (int i = 0; i < n; i++)
            {
                _actual.Add(NativeRecord.Decode(bytes.AsSpan(i * NativeRecord.Bytes, NativeRecord.Bytes)));
            }

            max -= (uint)n;
            if (n < want)
            {
                break;
            }
        }
    }

    private string Execute(string[] tokens)
    {
        int arrow = Array.IndexOf(tokens, "=>");
        if (arrow >= 0)
        {
            Need(arrow == tokens.Length - 2, "'=>' takes one value at the end of the line");
        }
        else
        {
            arrow = tokens.Length;
        }

        string[] a = tokens[..arrow];
        long? expected = arrow < tokens.Length ? ToInt(tokens[arrow + 1]) : null;
        switch (a[0])
        {
            case "ring":
                Need(a.Length == 2, "ring takes a capacity");
                int capacity = (int)ToUInt(a[1]);
                try
                {
                    _core = new CaptureCoreModel(this, capacity);
                }
                catch (ArgumentOutOfRangeException)
                {
                    return Check(CaptureStatus.InvalidArgument, expected, false);
                }

                return Check(CaptureStatus.Ok, expected, false);
            case "latency":
                Need(a.Length == 2, "latency takes microseconds");
                _core.RewardLatencyMicros = U32(a[1]);
                return string.Empty;
            case "input":
                Need(a.Length is 4 or 5, "input takes: line channel glitch_us [initial_level]");
                byte initial = a.Length == 5 ? (byte)ToUInt(a[4]) : (byte)0;
                return Check(_core.ConfigureInput(LineNumber(a[1]), (byte)ToUInt(a[2]), U32(a[3]), initial), expected, false);
            case "lick":
                Need(a.Length == 4, "lick takes: channel debounce_us min_interval_us");
                return Check(_core.ConfigureLick((byte)ToUInt(a[1]), U32(a[2]), U32(a[3])), expected, false);
            case "valve":
                Need(a.Length == 3, "valve takes: channel hard_max_us");
                return Check(_core.ConfigureValve((byte)ToUInt(a[1]), U32(a[2])), expected, false);
            case "encoder":
                Need(a.Length == 3, "encoder takes: modulus rate_hz");
                return Check(_core.ConfigureEncoder(U32(a[1]), U32(a[2])), expected, false);
            case "tone":
                Need(a.Length == 1, "tone takes no arguments");
                return Check(_core.ConfigureTone(), expected, false);
            case "output":
                Need(a.Length == 2, "output takes a channel");
                return Check(_core.ConfigureOutput((byte)ToUInt(a[1])), expected, false);
            case "capture":
                Need(a.Length == 2, "capture takes ticks per µs");
                return Check(_core.ConfigureCapture(U32(a[1])), expected, false);
            case "raw":
                Need(a.Length == 2, "raw takes a value");
                _raw = (int)ToInt(a[1]);
                return string.Empty;
            case "start":
                Need(a.Length == 2, "start takes a time");
                ulong t0 = ToUInt(a[1]);
                Need(t0 >= _now, "time goes backwards");
                _now = t0;
                return Check(_core.Start(t0), expected, false);
            case "at":
                Need(a.Length >= 3, "'at' needs a time and a command");
                ulong t = ToUInt(a[1]);
                Advance(t);
                string result = Timed(a[2..], expected, t);
                Advance(t);
                return result;
            default:
                throw new FormatException("unknown command '" + a[0] + "'");
        }
    }

    private string Timed(string[] a, long? expected, ulong t)
    {
        int count = a.Length - 1;
        void Args(int n) => Need(count == n, "'" + a[0] + "' takes " + n + " arguments");
        switch (a[0])
        {
            case "edge":
                Args(3);
                int index = _core.InputIndex(LineNumber(a[1]), (byte)ToUInt(a[2]));
                Need(index >= 0, "edge on an input that was not configured");
                _core.InputEdge(index, (byte)ToUInt(a[3]), t);
                return string.Empty;
            case "anchor":
                Args(4);
                _core.CaptureAnchor((byte)ToUInt(a[1]), U32(a[2]), ToUInt(a[3]), ToUInt(a[4]));
                return string.Empty;
            case "captured":
                Args(5);
                int captured = _core.InputIndex(LineNumber(a[2]), (byte)ToUInt(a[3]));
                Need(captured >= 0, "captured edge on an input that was not configured");
                _core.CaptureEdge((byte)ToUInt(a[1]), captured, (byte)ToUInt(a[4]), U32(a[5]), t);
                return string.Empty;
            case "pulse":
                Args(2);
                return Check(_core.PulseValve((byte)ToUInt(a[1]), U32(a[2]), t), expected, false);
            case "close":
                Args(1);
                return Check(_core.CloseValve((byte)ToUInt(a[1]), t), expected, false);
            case "arm":
                Args(4);
                return Check(_core.ArmReward((byte)ToUInt(a[1]), ToUInt(a[2]), ToUInt(a[3]), U32(a[4]), t), expected, false);
            case "disarm":
                Args(0);
                _core.Disarm();
                return string.Empty;
            case "tone":
                Args(2);
                uint hz = U32(a[1]);
                Need(hz <= ushort.MaxValue, "frequency out of range");
                return Check(_core.PlayTone((ushort)hz, U32(a[2]), t), expected, false);
            case "stoptone":
                Args(0);
                return Check(_core.StopTone(t), expected, false);
            case "set":
                Args(2);
                return Check(_core.SetOutput((byte)ToUInt(a[1]), (byte)ToUInt(a[2]), t), expected, false);
            case "sync":
                Need(count >= 1, "sync takes: channel offset:width...");
                var pulses = new List<SyncPulse>();
                foreach (string p in a[2..])
                {
                    int colon = p.IndexOf(':', StringComparison.Ordinal);
                    Need(colon >= 0, "a pulse is offset:width, got '" + p + "'");
                    pulses.Add(new SyncPulse(U32(p[..colon]), U32(p[(colon + 1)..])));
                }

                return Check(_core.PlaySync((byte)ToUInt(a[1]), pulses.ToArray(), t), expected, false);
            case "raw":
                Args(1);
                _raw = (int)ToInt(a[1]);
                return string.Empty;
            case "count":
                Args(0);
                return Check(_core.EncoderCount(t), expected, true);
            case "open?":
                Args(1);
                return Check(_core.IsValveOpen((byte)ToUInt(a[1])) ? 1 : 0, expected, true);
            case "armed?":
                Args(0);
                return Check(_core.IsArmed ? 1 : 0, expected, true);
            case "drain":
                Args(1);
                Drain(U32(a[1]));
                return string.Empty;
            default:
                throw new FormatException("unknown timed command '" + a[0] + "'");
        }
    }

    private static string Check(long result, long? expected, bool query)
    {
        if (expected is null)
        {
            Need(!query, "a query needs '=> value'");
            return result >= 0 ? string.Empty : "returned " + result + ", expected success";
        }

        return expected.Value == result ? string.Empty : "returned " + result + ", expected " + expected.Value;
    }

    private static string Describe(NativeRecord r)
    {
        string line = Lines.FirstOrDefault(l => l.Value == r.Line).Key ?? "?";
        string flags = string.Join('+', Flags.Where(f => (r.Flags & f.Value) != 0).Select(f => f.Key).Order(StringComparer.Ordinal));
        return string.Create(CultureInfo.InvariantCulture,
            $"record {r.DeviceMicros} {line} {r.Channel} {r.Level} {r.Value} {(flags.Length == 0 ? "-" : flags)}");
    }

    private static CaptureFlags ParseFlags(string token)
    {
        if (token == "-")
        {
            return CaptureFlags.None;
        }

        var flags = CaptureFlags.None;
        foreach (string part in token.Split('+'))
        {
            Need(Flags.TryGetValue(part, out var f), "unknown flag '" + part + "'");
            flags |= f;
        }

        return flags;
    }

    private static byte LineNumber(string name)
    {
        Need(Lines.TryGetValue(name, out byte line), "unknown line '" + name + "'");
        return line;
    }

    private static ulong ToUInt(string token) => ulong.Parse(token, NumberStyles.None, CultureInfo.InvariantCulture);

    private static long ToInt(string token) => long.Parse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    private static uint U32(string token)
    {
        ulong v = ToUInt(token);
        Need(v <= uint.MaxValue, "out of range: " + token);
        return (uint)v;
    }

    private static void Need(bool condition, string message)
    {
        if (!condition)
        {
            throw new FormatException(message);
        }
    }

    void ICaptureHardware.SetValve(byte channel, bool open, ulong nowMicros)
    {
    }

    void ICaptureHardware.SetOutput(byte channel, byte level, ulong nowMicros)
    {
    }

    void ICaptureHardware.SetTone(ushort frequencyHz, ulong nowMicros)
    {
    }

    int ICaptureHardware.ReadEncoder(ulong nowMicros) => _raw;
}
