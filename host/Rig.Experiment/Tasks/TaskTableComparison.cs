using System;
using System.Collections.Generic;

namespace Rig.Experiment.Tasks;

/// <summary>Compares the device-time content of two task tables (live against rebuilt from the journal).</summary>
public static class TaskTableComparison
{
    /// <summary>
    /// Differences in the trial and lick tables' device-time fields (host times and frame indices are left out: the live
    /// engine has no clock map and sees frames only from the task's start). Empty: the same table.
    /// </summary>
    public static IReadOnlyList<string> Differences(TaskSessionTables live, TaskSessionTables rebuilt, int max = 10)
    {
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(rebuilt);
        var differences = new List<string>();
        if (live.Trials.Count != rebuilt.Trials.Count)
        {
            differences.Add($"trials: {live.Trials.Count} live, {rebuilt.Trials.Count} rebuilt");
        }

        for (int i = 0; i < Math.Min(live.Trials.Count, rebuilt.Trials.Count) && differences.Count < max; i++)
        {
            var a = DeviceOnly(live.Trials[i]);
            var b = DeviceOnly(rebuilt.Trials[i]);
            if (a != b)
            {
                differences.Add($"trial {i}: live {a}, rebuilt {b}");
            }
        }

        if (live.Licks.Count != rebuilt.Licks.Count)
        {
            differences.Add($"licks: {live.Licks.Count} live, {rebuilt.Licks.Count} rebuilt");
        }

        for (int i = 0; i < Math.Min(live.Licks.Count, rebuilt.Licks.Count) && differences.Count < max; i++)
        {
            var a = live.Licks[i];
            var b = rebuilt.Licks[i];
            if (a.DeviceMicros != b.DeviceMicros || a.Trial != b.Trial || !Same(a.PositionDm, b.PositionDm))
            {
                differences.Add($"lick {i}: live {a}, rebuilt {b}");
            }
        }

        return differences;
    }

    private static TrialRow DeviceOnly(TrialRow t) => t with
    {
        StartHostNanos = null, GrayHostNanos = null, EndHostNanos = null, CueHostNanos = null, RewardHostNanos = null, CueFrame = null,
    };

    private static bool Same(double a, double b) => a.Equals(b) || (double.IsNaN(a) && double.IsNaN(b));
}
