namespace Rig.Firmware.Publishing
{
    using Rig.Firmware.Hardware;
    using Rig.Protocol;

    /// <summary>
    /// Encodes and publishes the device's single-message answers (acks, sync replies, status) through one
    /// preallocated buffer, and counts the ones the link refused. Main-loop thread only: the buffer is shared.
    /// </summary>
    public sealed class ReplySender
    {
        private readonly uint _bootId;
        private readonly IMicrosecondClock _clock;
        private readonly IDeviceLink _link;
        private readonly byte[] _replyBuffer;
        private readonly ByteWriter _replyWriter;
        private uint _repliesDropped;

        public ReplySender(uint bootId, IMicrosecondClock clock, IDeviceLink link)
        {
            _bootId = bootId;
            _clock = clock;
            _link = link;
            _replyBuffer = new byte[DeviceStatus.Size];
            _replyWriter = new ByteWriter(_replyBuffer, 0, _replyBuffer.Length);
        }

        /// <summary>Acks, sync replies and statuses the link refused (the host sees a timeout).</summary>
        public uint RepliesDropped
        {
            get { return _repliesDropped; }
        }

        public void SendAck(AckResult result, CommandOpcode opcode, uint commandId, ulong nowMicros, uint detail)
        {
            Ack ack = new Ack();
            ack.Result = result;
            ack.Opcode = opcode;
            ack.CommandId = commandId;
            ack.BootId = _bootId;
            ack.DeviceMicros = nowMicros;
            ack.Detail = detail;
            _replyWriter.Reset(_replyBuffer, 0, _replyBuffer.Length);
            ack.Write(_replyWriter);
            Reply(TopicKind.Ack, false);
        }

        public void SendSyncReply(uint commandId, ulong hostTime, ulong receivedMicros)
        {
            SyncReply reply = new SyncReply();
            reply.CommandId = commandId;
            reply.BootId = _bootId;
            reply.HostTime = hostTime;
            reply.DeviceReceiveMicros = receivedMicros;

            // Read now, not at the start of the loop iteration: the exchange's accuracy depends on it.
            reply.DeviceReplyMicros = _clock.NowMicros;
            _replyWriter.Reset(_replyBuffer, 0, _replyBuffer.Length);
            reply.Write(_replyWriter);
            Reply(TopicKind.Sync, false);
        }

        /// <summary>Publishes <paramref name="status"/> retained; false when the link refused it.</summary>
        public bool SendStatus(DeviceStatus status)
        {
            _replyWriter.Reset(_replyBuffer, 0, _replyBuffer.Length);
            status.Write(_replyWriter);
            return Reply(TopicKind.Status, true);
        }

        private bool Reply(TopicKind topic, bool retain)
        {
            if (_link.IsConnected && _link.Publish(topic, _replyBuffer, 0, _replyWriter.Position, retain))
            {
                return true;
            }

            _repliesDropped++;
            return false;
        }
    }
}
