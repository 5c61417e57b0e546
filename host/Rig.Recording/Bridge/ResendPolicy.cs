using System;
using System.Collections.Generic;
using Rig.Recording.Decoding;
using Rig.Protocol;

namespace Rig.Recording.Bridge;

/// <summary>One resend request that is due: ask boot <paramref name="BootId"/> for <paramref name="Count"/> batches from <paramref name="First"/>.</summary>
internal readonly record struct ResendRequest(uint BootId, uint First, ushort Count)
{
    public Command ToCommand(uint commandId) => new()
    {
        Opcode = CommandOpcode.ResendBatches,
        CommandId = commandId,
        TargetBootId = BootId,
        BatchSeq = First,
        BatchCount = Count,
    };
}

/// <summary>
/// Decides which missing batches to ask the device for, and when: a gap is asked for only once it has outlived
/// <see cref="BridgeOptions.GapGrace"/> (it may merely be late), and asked for again every <see cref="BridgeOptions.ResendRetry"/>
/// while it stays open. Only the current boot's gaps are asked for. Not thread-safe: the recorder calls it under its lock.
/// </summary>
internal sealed class ResendPolicy(BridgeOptions options)
{
    private readonly Dictionary<(uint Boot, ulong First), (long FirstSeen, long LastAsked)> _gaps = [];

    /// <summary>
    /// The requests due at <paramref name="nowNanos"/> (host ns, as the journal stamps), given the decoder's recoverable
    /// gaps; gaps no longer missing are forgotten.
    /// </summary>
    public List<ResendRequest> Due(IReadOnlyList<(uint BootId, SeqRange Batches)> missing, uint? currentBoot, long nowNanos)
    {
        var requests = new List<ResendRequest>();
        long grace = (long)options.GapGrace.TotalMilliseconds * 1_000_000;
        long retry = (long)options.ResendRetry.TotalMilliseconds * 1_000_000;
        var still = new HashSet<(uint, ulong)>();
        foreach (var (boot, range) in missing)
        {
            if (boot != currentBoot)
            {
                // An earlier boot's device is gone; its gaps are reported, not requested.
                continue;
            }

            var key = (boot, range.First);
            still.Add(key);
            if (!_gaps.TryGetValue(key, out var t))
            {
                _gaps[key] = (nowNanos, 0);
                continue;
            }

            if (nowNanos - t.FirstSeen < grace || (t.LastAsked != 0 && nowNanos - t.LastAsked < retry))
            {
                continue;
            }

            _gaps[key] = (t.FirstSeen, nowNanos);
            requests.Add(new ResendRequest(boot, (uint)range.First, (ushort)Math.Min(range.Count, (ulong)options.MaxBatchesPerResend)));
        }

        foreach (var key in new List<(uint, ulong)>(_gaps.Keys))
        {
            if (!still.Contains(key))
            {
                _gaps.Remove(key);
            }
        }

        return requests;
    }
}
