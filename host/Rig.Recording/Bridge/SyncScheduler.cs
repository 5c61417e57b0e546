using System;
using System.Threading;
using Rig.Protocol;

namespace Rig.Recording.Bridge;

/// <summary>
/// Decides when the next clock exchange (SyncRequest) is due: every <see cref="BridgeOptions.SyncFastInterval"/> during
/// <see cref="BridgeOptions.SyncFastPeriod"/> after a (re)start, every <see cref="BridgeOptions.SyncInterval"/> after that.
/// <see cref="Restart"/> may be called from another thread than <see cref="TryTake"/>.
/// </summary>
internal sealed class SyncScheduler(BridgeOptions options, TimeProvider time)
{
    private long _startedTimestamp;
    private long _nextSyncTimestamp;

    /// <summary>Starts the fast period now (session start, or a new boot whose clock map starts afresh); an exchange is due at once.</summary>
    public void Restart()
    {
        long now = time.GetTimestamp();
        Volatile.Write(ref _startedTimestamp, now);
        Volatile.Write(ref _nextSyncTimestamp, now);
    }

    /// <summary>
    /// The clock exchange request. The host send time travels in the request and comes back in the reply, so an exchange
    /// can be rebuilt from the reply alone; the reply's journal time is the fourth timestamp.
    /// </summary>
    public static Command Request(uint commandId, uint targetBootId, long hostNanos) => new()
    {
        Opcode = CommandOpcode.SyncRequest,
        CommandId = commandId,
        TargetBootId = targetBootId,
        HostTime = (ulong)hostNanos,
    };

    /// <summary>True when an exchange is due now; the next one is then scheduled.</summary>
    public bool TryTake()
    {
        long now = time.GetTimestamp();
        if (now < Volatile.Read(ref _nextSyncTimestamp))
        {
            return false;
        }

        bool fast = time.GetElapsedTime(Volatile.Read(ref _startedTimestamp)) < options.SyncFastPeriod;
        _nextSyncTimestamp = now + (long)((fast ? options.SyncFastInterval : options.SyncInterval).TotalSeconds * time.TimestampFrequency);
        return true;
    }
}
