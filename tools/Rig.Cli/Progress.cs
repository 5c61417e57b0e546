using System;
using System.Globalization;
using Rig.Recording.Decoding;
using Rig.VirtualRig;

namespace Rig.Cli;

/// <summary>
/// One progress line on stderr: rewritten in place on a terminal, a new line every few seconds otherwise
/// (logs and CI output stay readable).
/// </summary>
internal sealed class ProgressLine
{
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private DateTime _lastPrinted = DateTime.MinValue;
    private int _lastLength;

    public void Report(string line)
    {
        if (_interactive)
        {
            string padded = line.PadRight(_lastLength);
            _lastLength = line.Length;
            Console.Error.Write("\r" + padded);
            return;
        }

        // Wall clock only paces the display here; nothing recorded depends on it.
        var now = DateTime.UtcNow;
        if (now - _lastPrinted >= TimeSpan.FromSeconds(5))
        {
            _lastPrinted = now;
            Console.Error.WriteLine(line);
        }
    }

    public void Done()
    {
        if (_interactive && _lastLength > 0)
        {
            Console.Error.WriteLine();
        }
    }

    /// <summary>", bad input N" once any message was counted as malformed or suspicious (nothing while there is none, to keep the line short).</summary>
    public static string BadInput(SessionCounts recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        long bad = 0;
        foreach (long n in recorded.MalformedMessages.Values)
        {
            bad += n;
        }

        foreach (long n in recorded.SuspiciousMessages.Values)
        {
            bad += n;
        }

        return bad == 0 ? "" : ", bad input " + bad.ToString("N0", CultureInfo.InvariantCulture);
    }

    public static string Describe(VirtualRigProgress p, SessionCounts? recorded)
    {
        var c = CultureInfo.InvariantCulture;
        string time = double.IsNaN(p.TotalSeconds)
            ? $"{p.VirtualSeconds.ToString("0", c)} s"
            : $"{p.VirtualSeconds.ToString("0", c)}/{p.TotalSeconds.ToString("0", c)} s";
        string line = $"virtual {time} | device events {p.EventsCaptured.ToString("N0", c)}, batches {p.BatchesSent.ToString("N0", c)}, unacked {p.UnacknowledgedBatches}";
        if (recorded is not null)
        {
            line += $" | recorded {recorded.EventsTotal.ToString("N0", c)} events, licks {recorded.Licks.ToString("N0", c)}, missing batches {recorded.MissingBatches}"
                + BadInput(recorded);
            if (recorded.Alignment is { } a)
            {
                // The live alignment (docs/sync.md): events with a frame and host time, how many are final, and what still waits.
                long waiting = a.WaitingForBatches + a.WaitingForFrame;
                line += $" | aligned {a.Aligned.ToString("N0", c)} (settled {a.Settled.ToString("N0", c)}, waiting {waiting.ToString("N0", c)}), frames {a.Frames.ToString("N0", c)}";
            }
        }

        return line;
    }
}
