using Rig.Protocol;

namespace Rig.Recording.Bridge;

/// <summary>What to acknowledge: the current boot's batches through <paramref name="Through"/>, all received without a gap.</summary>
internal readonly record struct AckRange(uint BootId, uint Through)
{
    /// <summary>The AckBatches command; the device does not acknowledge it.</summary>
    public Command ToCommand(uint commandId) => new()
    {
        Opcode = CommandOpcode.AckBatches,
        Flags = CommandFlags.NoAck,
        CommandId = commandId,
        TargetBootId = BootId,
        BatchSeq = Through,
    };
}

/// <summary>
/// Decides what to acknowledge next: the current boot's contiguous batches, when they differ from what was last
/// acknowledged. Not thread-safe: the recorder calls it under its lock.
/// </summary>
internal sealed class AckScheduler
{
    private uint? _ackedBoot;
    private uint _ackedThrough;

    /// <summary>
    /// The acknowledgement to send, or null when there is nothing (no boot, no contiguous batch) or nothing new.
    /// <paramref name="contiguousThrough"/> is the decoder's contiguous batch count for <paramref name="currentBoot"/>.
    /// </summary>
    public AckRange? Next(uint? currentBoot, uint? contiguousThrough)
    {
        if (currentBoot is not { } boot || contiguousThrough is not { } through)
        {
            return null;
        }

        return _ackedBoot == boot && _ackedThrough == through ? null : new AckRange(boot, through);
    }

    /// <summary>Records that <paramref name="ack"/> was published.</summary>
    public void Sent(AckRange ack)
    {
        _ackedBoot = ack.BootId;
        _ackedThrough = ack.Through;
    }
}
