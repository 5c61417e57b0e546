using System;
using System.Buffers.Binary;
using Rig.Firmware.Hardware;
using Rig.Protocol;

namespace Rig.Firmware.Tests.Fakes;

/// <summary>
/// A link that accepts everything and allocates nothing: it counts messages and bytes and reads the batch
/// number and record count straight from each event batch header, so the allocation test measures the firmware only.
/// </summary>
public sealed class CountingDeviceLink : IDeviceLink
{
    public bool IsConnected { get; set; } = true;

    public long Messages { get; private set; }

    public long Bytes { get; private set; }

    public long Batches { get; private set; }

    public long Records { get; private set; }

    public long Statuses { get; private set; }

    public long OtherMessages { get; private set; }

    public uint LastBatchSeq { get; private set; }

    public bool Publish(TopicKind topic, byte[] buffer, int offset, int count, bool retain)
    {
        Messages++;
        Bytes += count;
        switch (topic)
        {
            case TopicKind.Events:
                Batches++;
                LastBatchSeq = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(offset + 8, 4));
                Records += BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(offset + EventBatchHeader.RecordCountOffset, 2));
                break;
            case TopicKind.Status:
                Statuses++;
                break;
            default:
                OtherMessages++;
                break;
        }

        return true;
    }
}
