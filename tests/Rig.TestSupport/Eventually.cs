using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace Rig.TestSupport;

/// <summary>Waits on a condition instead of sleeping a fixed time.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/> otherwise.</summary>
    public static async Task WaitUntil(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}");
            }

            await Task.Delay(10, cancellationToken);
        }
    }
}
