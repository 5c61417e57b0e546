using System;
using System.Collections.Generic;
using System.Linq;
using Rig.Firmware.Hardware;
using Rig.Firmware.Tests.Support;
using Rig.Protocol;

namespace Rig.Firmware.Tests.Fakes;

/// <summary>One message the device handed to the link, copied as the real adapter does.</summary>
public sealed record PublishedMessage(TopicKind Topic, byte[] Bytes, bool Retain);

/// <summary>
/// The MQTT connection as the firmware core sees it. Records every accepted publish (topic, bytes, retain);
/// refuses publishes while disconnected, while <see cref="RefusePublishes"/> is set (queue full), or once
/// <see cref="AcceptBudget"/> is used up.
/// </summary>
public sealed class FakeDeviceLink : IDeviceLink
{
    private readonly List<PublishedMessage> _published = [];

    public bool IsConnected { get; set; } = true;

    /// <summary>Connected, but the publish queue is full: every publish is refused.</summary>
    public bool RefusePublishes { get; set; }

    /// <summary>When set, this many more publishes are accepted; after that they are refused.</summary>
    public int? AcceptBudget { get; set; }

    /// <summary>Publishes refused (disconnected, full or out of budget).</summary>
    public int Refused { get; private set; }

    public IReadOnlyList<PublishedMessage> Published => _published;

    public bool Publish(TopicKind topic, byte[] buffer, int offset, int count, bool retain)
    {
        if (!IsConnected || RefusePublishes || AcceptBudget == 0)
        {
            Refused++;
            return false;
        }

        if (AcceptBudget is int budget)
        {
            AcceptBudget = budget - 1;
        }

        _published.Add(new PublishedMessage(topic, buffer.AsSpan(offset, count).ToArray(), retain));
        return true;
    }

    public void Clear() => _published.Clear();

    public IEnumerable<PublishedMessage> On(TopicKind topic) => _published.Where(m => m.Topic == topic);

    public List<DecodedBatch> Batches() => On(TopicKind.Events).Select(m => Wire.DecodeBatch(m.Bytes)).ToList();

    public List<Ack> Acks() => On(TopicKind.Ack).Select(m => Wire.DecodeAck(m.Bytes)).ToList();

    public List<DeviceStatus> Statuses() => On(TopicKind.Status).Select(m => Wire.DecodeStatus(m.Bytes)).ToList();

    public List<SyncReply> SyncReplies() => On(TopicKind.Sync).Select(m => Wire.DecodeSyncReply(m.Bytes)).ToList();
}
