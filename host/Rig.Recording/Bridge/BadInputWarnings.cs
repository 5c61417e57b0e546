using System;
using System.Collections.Generic;
using Microsoft.Extensions.Logging;

namespace Rig.Recording.Bridge;

/// <summary>
/// Says live that bad input is arriving, without letting a flood flood the log: the first message of a reason is warned
/// at once, later ones at most once per <see cref="Interval"/> per reason, with how many came since the last warning
/// (summary.json has the exact counts).
/// </summary>
internal sealed class BadInputWarnings(ILogger logger, TimeProvider time)
{
    /// <summary>At most one warning per reason this often (the "one warning per reason per minute").</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, (long WarnedAt, long Since)> _reasons = new(StringComparer.Ordinal);

    /// <summary>Warnings written so far (all reasons).</summary>
    public long Warned { get; private set; }

    public void Note(string reason, string example)
    {
        long now = time.GetTimestamp();
        if (_reasons.TryGetValue(reason, out var seen) && time.GetElapsedTime(seen.WarnedAt, now) < Interval)
        {
            _reasons[reason] = (seen.WarnedAt, seen.Since + 1);
            return;
        }

        _reasons[reason] = (now, 0);
        Warned++;
        string example1 = example.Length > 200 ? example[..200] + "…" : example;
        if (seen.Since > 0)
        {
            logger.LogWarning("bad input, {Reason}: {Example} ({Since} more of this kind in the last minute; all counted in summary.json)",
                reason, example1, seen.Since);
        }
        else
        {
            logger.LogWarning("bad input, {Reason}: {Example} (counted in summary.json; at most one warning a minute per reason)", reason, example1);
        }
    }
}
