using System.Collections.Generic;
using Rig.Firmware.Hardware;

namespace Rig.Firmware.Tests.Fakes;

/// <summary>The capture module's ring as a queue the test pushes edges into; <see cref="Drain"/> hands them out oldest first.</summary>
public sealed class FakeCaptureSource : ICaptureSource
{
    private readonly Queue<CaptureRecord> _queue;

    /// <param name="capacity">Initial queue capacity; pushes within it never allocate (the allocation test relies on it).</param>
    public FakeCaptureSource(int capacity = 1024)
    {
        _queue = new Queue<CaptureRecord>(capacity);
    }

    /// <summary>Settable: what the capture layer reports it dropped.</summary>
    public uint Overflows { get; set; }

    /// <summary>Edges pushed and not yet drained.</summary>
    public int Pending => _queue.Count;

    /// <summary>Calls to <see cref="Drain"/>.</summary>
    public int DrainCalls { get; private set; }

    public void Push(CaptureRecord record) => _queue.Enqueue(record);

    public void Push(ulong deviceMicros, CaptureLine line, byte channel, byte level) =>
        _queue.Enqueue(new CaptureRecord(deviceMicros, line, channel, level));

    public int Drain(CaptureRecord[] buffer)
    {
        DrainCalls++;
        int n = 0;
        while (n < buffer.Length && _queue.TryDequeue(out CaptureRecord record))
        {
            buffer[n++] = record;
        }

        return n;
    }
}
