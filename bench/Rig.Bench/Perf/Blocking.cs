using System;
using System.Threading;
using System.Threading.Tasks;

namespace Rig.Bench.Perf;

/// <summary>
/// Runs the load generator's blocking loops (socket reads, paced publishing with sleeps) on threads of their own.
/// On the thread pool they would each hold a pool thread for the whole run: 20 raw publishers' readers alone block 20
/// threads, the pool (2 threads to start with on 2 cores) grows by starvation injection only slowly, and the bridge's
/// async receive path then waits in the pool's queue. That was measured as the bench's own half-second tail
/// (docs/performance.md, "Where the tail was"), not the bridge's.
/// </summary>
internal static class Blocking
{
    public static Task Run(Action loop, CancellationToken cancellationToken = default) =>
        Task.Factory.StartNew(loop, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
