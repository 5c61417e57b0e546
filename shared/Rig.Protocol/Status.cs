namespace Rig.Protocol
{
    /// <summary>Device connection state carried by the retained status message.</summary>
    public enum DeviceState : byte
    {
        Online = 1,
        /// <summary>Published by the broker as the device's last will when its connection drops.</summary>
        Offline = 2,
    }

    /// <summary>
    /// Retained device status and heartbeat: 72 bytes of identity and counters (docs/protocol.md, "Status").
    /// </summary>
    public struct DeviceStatus
    {
        public const int Size = 72;

        public DeviceState State;

        /// <summary>
        /// Whole seconds of events the device can hold while the host does not acknowledge, at 1,000 events/s
        /// (Rig.Firmware.Publishing.BufferBudget); saturates at 255. Carried in what was the reserved byte after
        /// the state (zero from a device that predates it, and in the Offline will).
        /// </summary>
        public byte BufferSeconds;

        public uint BootId;
        public ushort FirmwareMajor;
        public ushort FirmwareMinor;
        public ushort FirmwarePatch;

        /// <summary>Device time when the status was made, µs since boot.</summary>
        public ulong UptimeMicros;

        /// <summary>Events numbered since boot (the next event sequence number).</summary>
        public ulong EventsCaptured;

        /// <summary>Events numbered and then dropped on the device since boot (never silent).</summary>
        public uint EventsLost;

        public uint BatchesSent;
        public uint BatchesResent;

        /// <summary>Batches published at least once and not yet acknowledged (so BatchesSent minus this is the oldest one held).</summary>
        public uint UnackedBatches;

        public uint CommandsExecuted;
        public uint CommandsRejected;

        /// <summary>Times the safety check found the valve open past its commanded time and forced it shut.</summary>
        public uint ValveFaults;

        /// <summary>
        /// Times the host fell silent (no valid command for the device's host-silence time, 2 s by default) while a valve
        /// pulse was open or a reward armed, so the device shut the valve and cancelled the arming. Saturates at 65535.
        /// Carried in what was the 2 reserved bytes after fw_patch (zero from a device that predates it).
        /// </summary>
        public ushort HostSilenceValveCloses;

        /// <summary>Command messages that could not be decoded.</summary>
        public uint MalformedCommands;

        /// <summary>Command messages dropped because the device's inbox was full or they were oversized.</summary>
        public uint CommandsDropped;

        /// <summary>Edges the capture layer dropped before they were numbered (its ring overflowed).</summary>
        public uint CaptureOverflows;

        public void Write(ByteWriter writer)
        {
            writer.WriteByte((byte)MessageType.Status);
            writer.WriteByte(FormatVersion.Status);
            writer.WriteByte((byte)State);
            writer.WriteByte(BufferSeconds);
            writer.WriteUInt32(BootId);
            writer.WriteUInt16(FirmwareMajor);
            writer.WriteUInt16(FirmwareMinor);
            writer.WriteUInt16(FirmwarePatch);
            writer.WriteUInt16(HostSilenceValveCloses);
            writer.WriteUInt64(UptimeMicros);
            writer.WriteUInt64(EventsCaptured);
            writer.WriteUInt32(EventsLost);
            writer.WriteUInt32(BatchesSent);
            writer.WriteUInt32(BatchesResent);
            writer.WriteUInt32(UnackedBatches);
            writer.WriteUInt32(CommandsExecuted);
            writer.WriteUInt32(CommandsRejected);
            writer.WriteUInt32(ValveFaults);
            writer.WriteUInt32(MalformedCommands);
            writer.WriteUInt32(CommandsDropped);
            writer.WriteUInt32(CaptureOverflows);
        }

        public static DeviceStatus Read(ByteReader reader)
        {
            FormatVersion.Expect(reader, MessageType.Status, FormatVersion.Status);
            DeviceStatus s = new DeviceStatus();
            int at = reader.Position;
            byte state = reader.ReadByte("state");
            if (state != (byte)DeviceState.Online && state != (byte)DeviceState.Offline)
            {
                throw new ProtocolException(ProtocolError.InvalidField, "state", at);
            }

            s.State = (DeviceState)state;
            s.BufferSeconds = reader.ReadByte("buffer_s");
            s.BootId = reader.ReadUInt32("boot_id");
            s.FirmwareMajor = reader.ReadUInt16("fw_major");
            s.FirmwareMinor = reader.ReadUInt16("fw_minor");
            s.FirmwarePatch = reader.ReadUInt16("fw_patch");
            s.HostSilenceValveCloses = reader.ReadUInt16("host_silence_closes");
            s.UptimeMicros = reader.ReadUInt64("uptime_us");
            s.EventsCaptured = reader.ReadUInt64("events_captured");
            s.EventsLost = reader.ReadUInt32("events_lost");
            s.BatchesSent = reader.ReadUInt32("batches_sent");
            s.BatchesResent = reader.ReadUInt32("batches_resent");
            s.UnackedBatches = reader.ReadUInt32("unacked_batches");
            s.CommandsExecuted = reader.ReadUInt32("commands_executed");
            s.CommandsRejected = reader.ReadUInt32("commands_rejected");
            s.ValveFaults = reader.ReadUInt32("valve_faults");
            s.MalformedCommands = reader.ReadUInt32("malformed_commands");
            s.CommandsDropped = reader.ReadUInt32("commands_dropped");
            s.CaptureOverflows = reader.ReadUInt32("capture_overflows");
            reader.ExpectEnd("status");
            return s;
        }

        /// <summary>
        /// Start of the text form of the Offline last will: ASCII <c>offline </c> and the boot id as 8 lower-case hex
        /// digits (16 bytes). For MQTT clients whose will API takes a string (nanoFramework's M2Mqtt sends it as UTF-8,
        /// and a string cannot carry the binary status's zero bytes). The host accepts both forms on the status topic.
        /// </summary>
        public const string OfflineWillPrefix = "offline ";

        /// <summary>Bytes of the text form of the Offline will.</summary>
        public const int OfflineWillTextBytes = 16;

        /// <summary>The text form of the Offline last will for <paramref name="bootId"/>.</summary>
        public static string OfflineWillText(uint bootId)
        {
            char[] hex = new char[8];
            for (int i = 7; i >= 0; i--)
            {
                int nibble = (int)(bootId & 0xF);
                hex[i] = (char)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
                bootId >>= 4;
            }

            return OfflineWillPrefix + new string(hex, 0, hex.Length);
        }

        /// <summary>True when the bytes are the text form of the Offline will; <paramref name="bootId"/> is then its boot id.</summary>
        public static bool TryReadOfflineWill(byte[] buffer, int offset, int count, out uint bootId)
        {
            bootId = 0;
            if (count != OfflineWillTextBytes)
            {
                return false;
            }

            for (int i = 0; i < OfflineWillPrefix.Length; i++)
            {
                if (buffer[offset + i] != (byte)OfflineWillPrefix[i])
                {
                    return false;
                }
            }

            for (int i = OfflineWillPrefix.Length; i < OfflineWillTextBytes; i++)
            {
                int c = buffer[offset + i];
                int nibble = c >= '0' && c <= '9' ? c - '0' : (c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1);
                if (nibble < 0)
                {
                    bootId = 0;
                    return false;
                }

                bootId = (bootId << 4) | (uint)nibble;
            }

            return true;
        }

        /// <summary>"major.minor.patch".</summary>
        public string FirmwareVersion
        {
            get { return FirmwareMajor.ToString() + "." + FirmwareMinor.ToString() + "." + FirmwarePatch.ToString(); }
        }
    }
}
