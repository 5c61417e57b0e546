using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Rig.Protocol;

namespace Rig.Recording.Bridge;

/// <summary>
/// Commands waiting for their acknowledgement, by command id: an ack from the device completes the one it answers; one
/// that does not come within <see cref="BridgeOptions.CommandTimeout"/> is a <see cref="CommandTimeoutException"/>.
/// Not thread-safe: the recorder calls <see cref="Add"/>, <see cref="Remove"/> and <see cref="Take"/> under its lock.
/// </summary>
internal sealed class PendingCommands(BridgeOptions options, TimeProvider time)
{
    private readonly Dictionary<uint, TaskCompletionSource<Ack>> _pending = [];
    private readonly ByteReader _ackReader = new([], 0, 0);

    public int Count => _pending.Count;

    /// <summary>Starts waiting for the ack of command <paramref name="commandId"/>.</summary>
    public Task<Ack> Add(uint commandId)
    {
        var tcs = new TaskCompletionSource<Ack>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[commandId] = tcs;
        return tcs.Task;
    }

    /// <summary>Stops waiting for command <paramref name="commandId"/> (answered, timed out or failed).</summary>
    public void Remove(uint commandId) => _pending.Remove(commandId);

    /// <summary>
    /// Reads an ack message; when it answers a waiting command, that command is taken off the table and the returned
    /// completion, run outside the caller's lock, hands it the ack. A malformed ack, or one for an unknown id, completes nothing.
    /// </summary>
    public AckCompletion Take(ReadOnlyMemory<byte> ackPayload)
    {
        if (TryReadAck(ackPayload, out var ack) && _pending.Remove(ack.CommandId, out var waiter))
        {
            return new AckCompletion(waiter, ack);
        }

        return default;
    }

    /// <summary>
    /// Waits for <paramref name="published"/> (the command going out), then for <paramref name="acked"/> within the
    /// command timeout; a timeout is reported as the <see cref="CommandTimeoutException"/> of command <paramref name="commandId"/>.
    /// </summary>
    public async Task<Ack> WaitAsync(uint commandId, CommandOpcode opcode, Task published, Task<Ack> acked, CancellationToken cancellationToken)
    {
        try
        {
            await published;
            return await acked.WaitAsync(options.CommandTimeout, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new CommandTimeoutException(opcode.ToString(), commandId, options.CommandTimeout);
        }
    }

    private bool TryReadAck(ReadOnlyMemory<byte> payload, out Ack ack)
    {
        byte[] bytes = payload.ToArray();
        _ackReader.Reset(bytes, 0, bytes.Length);
        try
        {
            ack = Ack.Read(_ackReader);
            return true;
        }
        catch (ProtocolException)
        {
            // Counted as malformed by the decoder.
            ack = default;
            return false;
        }
    }
}

/// <summary>An ack to hand to the command that waited for it, if any.</summary>
internal readonly struct AckCompletion(TaskCompletionSource<Ack>? waiter, Ack ack)
{
    public bool Completes => waiter is not null;

    public void Run() => waiter?.TrySetResult(ack);
}
