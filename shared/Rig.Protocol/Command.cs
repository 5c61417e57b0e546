namespace Rig.Protocol
{
    /// <summary>What a command asks the device to do.</summary>
    public enum CommandOpcode : byte
    {
        /// <summary>No action; the acknowledgement carries the device time (liveness and a coarse clock check).</summary>
        Ping = 0x01,
        /// <summary>Open a valve for a duration; the hardware closes it. Payload: channel, duration µs.</summary>
        PulseValve = 0x02,
        /// <summary>The host holds every batch up to and including a sequence number: the device may forget them.</summary>
        AckBatches = 0x03,
        /// <summary>Publish stored batches again. Payload: first batch seq, count (the boot is the header's target boot id).</summary>
        ResendBatches = 0x04,
        /// <summary>Drive a digital output. Payload: channel, level.</summary>
        SetOutput = 0x05,
        /// <summary>Play a cue tone. Payload: frequency Hz, duration µs.</summary>
        PlayTone = 0x06,
        /// <summary>Clock exchange: the device answers on the sync topic with its receive and reply times.</summary>
        SyncRequest = 0x07,
        /// <summary>Publish the status message now.</summary>
        RequestStatus = 0x08,
        /// <summary>
        /// Arm a reward: the first lick onset inside [window start, window end) (device µs) opens the valve for the
        /// duration, decided at the capture layer so the closed loop takes microseconds. Payload: channel, duration µs,
        /// window start µs, window end µs.
        /// </summary>
        ArmReward = 0x09,
        /// <summary>Cancel an armed reward that has not fired.</summary>
        Disarm = 0x0A,
        /// <summary>
        /// Loopback test: play a train of pulses at random intervals and widths on a valve or sync output, scheduled
        /// on the device in device time (rig loopback). Payload: output, channel, pulse count (0 stops a running
        /// train), seed, interval and width ranges µs.
        /// </summary>
        PulseTrain = 0x0B,
        /// <summary>
        /// Arm one position trigger: when an encoder sample on the channel reaches the threshold (an absolute count, or
        /// the device's run-gated distance), the device acts at once, on its own clock, and records a Trigger event
        /// stamped with that sample's time. Payload: tag, action, mode, encoder channel, valve, threshold, frequency Hz, duration µs (tone, or valve open time).
        /// </summary>
        ArmTrigger = 0x0C,
        /// <summary>
        /// Clear every armed position trigger and restart the device's run-gated distance at 0 with new parameters
        /// (answered by a Trigger event with action Origin). Payload: channel, speed threshold mcount/s, gated speed
        /// µm/s, speed window µs.
        /// </summary>
        ResetTriggers = 0x0D,
    }

    /// <summary>What a position trigger does when it fires (<see cref="CommandOpcode.ArmTrigger"/>, and the low byte of a Trigger event's value).</summary>
    public static class TriggerAction
    {
        /// <summary>Not armable: the Trigger event a ResetTriggers answers with (the run-gated distance is 0 after this sample).</summary>
        public const byte Origin = 0;

        /// <summary>Play the cue tone (frequency Hz, duration µs), as PlayTone does.</summary>
        public const byte PlayCue = 1;

        /// <summary>Open the reward zone: arm a reward on the valve channel (duration = valve µs) from the sample's time, as ArmReward does.</summary>
        public const byte OpenZone = 2;

        /// <summary>Close the reward zone: cancel an armed reward that has not fired, as Disarm does.</summary>
        public const byte CloseZone = 3;

        /// <summary>End of the texture (the grey space starts): only the event.</summary>
        public const byte TextureEnd = 4;

        /// <summary>The largest defined action.</summary>
        public const byte Max = TextureEnd;
    }

    /// <summary>What a position trigger's threshold counts (<see cref="CommandOpcode.ArmTrigger"/>).</summary>
    public static class TriggerMode
    {
        /// <summary>The encoder's cumulative count (proportional movement): fires when a sample's count is at or above it.</summary>
        public const byte Count = 1;

        /// <summary>The device's run-gated distance since the last ResetTriggers, µm: fires when it is at or above it.</summary>
        public const byte GatedDistance = 2;
    }

    /// <summary>Which output a <see cref="CommandOpcode.PulseTrain"/> drives.</summary>
    public static class PulseTrainOutput
    {
        /// <summary>A water valve: each pulse is a PulseValve, ended by the hardware timer.</summary>
        public const byte Valve = 1;

        /// <summary>A digital sync/trigger output.</summary>
        public const byte SyncOutput = 2;
    }

    /// <summary>Command flag bits.</summary>
    public static class CommandFlags
    {
        /// <summary>The host expects no acknowledgement (used for <see cref="CommandOpcode.AckBatches"/>).</summary>
        public const byte NoAck = 0x01;

        public const byte Defined = NoAck;
    }

    /// <summary>
    /// A host-to-device command: 12-byte header then an opcode-specific payload of fixed size (docs/protocol.md).
    /// The payload fields are held in generic slots so one struct serves every opcode without allocation.
    /// </summary>
    public struct Command
    {
        public const int HeaderSize = 12;

        /// <summary>The largest command message (ArmReward, PulseTrain and ArmTrigger: header and a 24-byte payload).</summary>
        public const int MaxSize = HeaderSize + 24;

        public CommandOpcode Opcode;
        public byte Flags;

        /// <summary>Chosen by the host, echoed in the acknowledgement.</summary>
        public uint CommandId;

        /// <summary>Boot id the command is meant for (0: any). A command for an earlier boot is refused, never misapplied.</summary>
        public uint TargetBootId;

        /// <summary>Channel (PulseValve, SetOutput).</summary>
        public byte Channel;

        /// <summary>Level (SetOutput).</summary>
        public byte Level;

        /// <summary>Frequency in Hz (PlayTone).</summary>
        public ushort FrequencyHz;

        /// <summary>Duration in µs (PulseValve, PlayTone).</summary>
        public uint DurationMicros;

        /// <summary>Batch sequence number (AckBatches: last held; ResendBatches: first wanted).</summary>
        public uint BatchSeq;

        /// <summary>Number of batches (ResendBatches).</summary>
        public ushort BatchCount;

        /// <summary>Opaque host timestamp echoed back (SyncRequest).</summary>
        public ulong HostTime;

        /// <summary>Start of the armed window, device µs (ArmReward).</summary>
        public ulong WindowStartMicros;

        /// <summary>End of the armed window (exclusive), device µs (ArmReward).</summary>
        public ulong WindowEndMicros;

        /// <summary>Output kind (PulseTrain): <see cref="PulseTrainOutput"/>.</summary>
        public byte Output;

        /// <summary>Pulses to play (PulseTrain); 0 stops a running train.</summary>
        public ushort PulseCount;

        /// <summary>Seed of the device's pseudo-random intervals and widths (PulseTrain); must not be 0.</summary>
        public uint Seed;

        /// <summary>Shortest and longest low time before each pulse, µs (PulseTrain).</summary>
        public uint MinIntervalMicros;

        public uint MaxIntervalMicros;

        /// <summary>Shortest and longest pulse width, µs (PulseTrain).</summary>
        public uint MinWidthMicros;

        public uint MaxWidthMicros;

        /// <summary>The host's name for a trigger (ArmTrigger), echoed in its Trigger event (value = tag &lt;&lt; 8 | action).</summary>
        public uint TriggerTag;

        /// <summary>What the trigger does (ArmTrigger): <see cref="TriggerAction"/>.</summary>
        public byte TriggerAction;

        /// <summary>What the threshold counts (ArmTrigger): <see cref="TriggerMode"/>.</summary>
        public byte TriggerMode;

        /// <summary>The valve an OpenZone trigger arms (ArmTrigger); <see cref="Channel"/> is then the encoder channel.</summary>
        public byte ValveChannel;

        /// <summary>Encoder count (Count mode) or run-gated distance µm (GatedDistance mode) at which the trigger fires (ArmTrigger).</summary>
        public long Threshold;

        /// <summary>Wheel speed above which the corridor runs (ResetTriggers), milli-counts per second (so a non-integer counts/cm rig is exact to 0.001).</summary>
        public uint GateThresholdMilliCountsPerSecond;

        /// <summary>The corridor's speed while running (ResetTriggers), µm per second.</summary>
        public uint GatedSpeedMicrometresPerSecond;

        /// <summary>Wheel speed is measured over this window of reported samples (ResetTriggers), µs.</summary>
        public uint SpeedWindowMicros;

        /// <summary>Payload bytes of each opcode, or -1 for an opcode this version does not define.</summary>
        public static int PayloadSize(CommandOpcode opcode)
        {
            switch (opcode)
            {
                case CommandOpcode.Ping: return 0;
                case CommandOpcode.PulseValve: return 8;
                case CommandOpcode.AckBatches: return 4;
                case CommandOpcode.ResendBatches: return 8;
                case CommandOpcode.SetOutput: return 4;
                case CommandOpcode.PlayTone: return 8;
                case CommandOpcode.SyncRequest: return 8;
                case CommandOpcode.RequestStatus: return 0;
                case CommandOpcode.ArmReward: return 24;
                case CommandOpcode.Disarm: return 0;
                case CommandOpcode.PulseTrain: return 24;
                case CommandOpcode.ArmTrigger: return 24;
                case CommandOpcode.ResetTriggers: return 16;
                default: return -1;
            }
        }

        public void Write(ByteWriter writer)
        {
            int size = PayloadSize(Opcode);
            if (size < 0)
            {
                throw new ProtocolException(ProtocolError.InvalidField, "opcode", 2);
            }

            writer.WriteByte((byte)MessageType.Command);
            writer.WriteByte(FormatVersion.Command);
            writer.WriteByte((byte)Opcode);
            writer.WriteByte(Flags);
            writer.WriteUInt32(CommandId);
            writer.WriteUInt32(TargetBootId);
            switch (Opcode)
            {
                case CommandOpcode.PulseValve:
                    writer.WriteByte(Channel);
                    writer.WriteZeros(3);
                    writer.WriteUInt32(DurationMicros);
                    break;
                case CommandOpcode.AckBatches:
                    writer.WriteUInt32(BatchSeq);
                    break;
                case CommandOpcode.ResendBatches:
                    writer.WriteUInt32(BatchSeq);
                    writer.WriteUInt16(BatchCount);
                    writer.WriteZeros(2);
                    break;
                case CommandOpcode.SetOutput:
                    writer.WriteByte(Channel);
                    writer.WriteByte(Level);
                    writer.WriteZeros(2);
                    break;
                case CommandOpcode.PlayTone:
                    writer.WriteUInt16(FrequencyHz);
                    writer.WriteZeros(2);
                    writer.WriteUInt32(DurationMicros);
                    break;
                case CommandOpcode.SyncRequest:
                    writer.WriteUInt64(HostTime);
                    break;
                case CommandOpcode.ArmReward:
                    writer.WriteByte(Channel);
                    writer.WriteZeros(3);
                    writer.WriteUInt32(DurationMicros);
                    writer.WriteUInt64(WindowStartMicros);
                    writer.WriteUInt64(WindowEndMicros);
                    break;
                case CommandOpcode.PulseTrain:
                    writer.WriteByte(Output);
                    writer.WriteByte(Channel);
                    writer.WriteUInt16(PulseCount);
                    writer.WriteUInt32(Seed);
                    writer.WriteUInt32(MinIntervalMicros);
                    writer.WriteUInt32(MaxIntervalMicros);
                    writer.WriteUInt32(MinWidthMicros);
                    writer.WriteUInt32(MaxWidthMicros);
                    break;
                case CommandOpcode.ArmTrigger:
                    writer.WriteUInt32(TriggerTag);
                    writer.WriteByte(TriggerAction);
                    writer.WriteByte(TriggerMode);
                    writer.WriteByte(Channel);
                    writer.WriteByte(ValveChannel);
                    writer.WriteUInt64((ulong)Threshold);
                    writer.WriteUInt16(FrequencyHz);
                    writer.WriteZeros(2);
                    writer.WriteUInt32(DurationMicros);
                    break;
                case CommandOpcode.ResetTriggers:
                    writer.WriteByte(Channel);
                    writer.WriteZeros(3);
                    writer.WriteUInt32(GateThresholdMilliCountsPerSecond);
                    writer.WriteUInt32(GatedSpeedMicrometresPerSecond);
                    writer.WriteUInt32(SpeedWindowMicros);
                    break;
                default:
                    break;
            }
        }

        /// <summary>
        /// Decodes a whole command message. An opcode this version does not know raises
        /// <see cref="ProtocolError.InvalidField"/>; the device answers it with <see cref="AckResult.UnknownOpcode"/>.
        /// </summary>
        public static Command Read(ByteReader reader)
        {
            FormatVersion.Expect(reader, MessageType.Command, FormatVersion.Command);
            Command c = new Command();
            int opAt = reader.Position;
            c.Opcode = (CommandOpcode)reader.ReadByte("opcode");
            int flagsAt = reader.Position;
            c.Flags = reader.ReadByte("flags");
            c.CommandId = reader.ReadUInt32("command_id");
            c.TargetBootId = reader.ReadUInt32("target_boot_id");
            if (PayloadSize(c.Opcode) < 0)
            {
                throw new ProtocolException(ProtocolError.InvalidField, "opcode", opAt);
            }

            if ((c.Flags & ~CommandFlags.Defined) != 0)
            {
                throw new ProtocolException(ProtocolError.ReservedNotZero, "flags", flagsAt);
            }

            switch (c.Opcode)
            {
                case CommandOpcode.PulseValve:
                    c.Channel = reader.ReadByte("channel");
                    reader.ReadReservedZero(3, "reserved");
                    c.DurationMicros = reader.ReadUInt32("duration_us");
                    break;
                case CommandOpcode.AckBatches:
                    c.BatchSeq = reader.ReadUInt32("batch_seq");
                    break;
                case CommandOpcode.ResendBatches:
                    c.BatchSeq = reader.ReadUInt32("batch_seq");
                    c.BatchCount = reader.ReadUInt16("batch_count");
                    reader.ReadReservedZero(2, "reserved");
                    break;
                case CommandOpcode.SetOutput:
                    c.Channel = reader.ReadByte("channel");
                    c.Level = reader.ReadByte("level");
                    reader.ReadReservedZero(2, "reserved");
                    break;
                case CommandOpcode.PlayTone:
                    c.FrequencyHz = reader.ReadUInt16("frequency_hz");
                    reader.ReadReservedZero(2, "reserved");
                    c.DurationMicros = reader.ReadUInt32("duration_us");
                    break;
                case CommandOpcode.SyncRequest:
                    c.HostTime = reader.ReadUInt64("host_time");
                    break;
                case CommandOpcode.ArmReward:
                    c.Channel = reader.ReadByte("channel");
                    reader.ReadReservedZero(3, "reserved");
                    c.DurationMicros = reader.ReadUInt32("duration_us");
                    c.WindowStartMicros = reader.ReadUInt64("window_start_us");
                    c.WindowEndMicros = reader.ReadUInt64("window_end_us");
                    break;
                case CommandOpcode.PulseTrain:
                    c.Output = reader.ReadByte("output");
                    c.Channel = reader.ReadByte("channel");
                    c.PulseCount = reader.ReadUInt16("pulse_count");
                    c.Seed = reader.ReadUInt32("seed");
                    c.MinIntervalMicros = reader.ReadUInt32("min_interval_us");
                    c.MaxIntervalMicros = reader.ReadUInt32("max_interval_us");
                    c.MinWidthMicros = reader.ReadUInt32("min_width_us");
                    c.MaxWidthMicros = reader.ReadUInt32("max_width_us");
                    break;
                case CommandOpcode.ArmTrigger:
                    c.TriggerTag = reader.ReadUInt32("tag");
                    int actionAt = reader.Position;
                    c.TriggerAction = reader.ReadByte("action");
                    if (c.TriggerAction < Rig.Protocol.TriggerAction.PlayCue || c.TriggerAction > Rig.Protocol.TriggerAction.Max)
                    {
                        throw new ProtocolException(ProtocolError.InvalidField, "action", actionAt);
                    }

                    int modeAt = reader.Position;
                    c.TriggerMode = reader.ReadByte("mode");
                    if (c.TriggerMode != Rig.Protocol.TriggerMode.Count && c.TriggerMode != Rig.Protocol.TriggerMode.GatedDistance)
                    {
                        throw new ProtocolException(ProtocolError.InvalidField, "mode", modeAt);
                    }

                    c.Channel = reader.ReadByte("channel");
                    c.ValveChannel = reader.ReadByte("valve");
                    c.Threshold = (long)reader.ReadUInt64("threshold");
                    c.FrequencyHz = reader.ReadUInt16("frequency_hz");
                    reader.ReadReservedZero(2, "reserved");
                    c.DurationMicros = reader.ReadUInt32("duration_us");
                    break;
                case CommandOpcode.ResetTriggers:
                    c.Channel = reader.ReadByte("channel");
                    reader.ReadReservedZero(3, "reserved");
                    c.GateThresholdMilliCountsPerSecond = reader.ReadUInt32("gate_threshold_mcps");
                    c.GatedSpeedMicrometresPerSecond = reader.ReadUInt32("gated_speed_um_per_s");
                    c.SpeedWindowMicros = reader.ReadUInt32("speed_window_us");
                    break;
                default:
                    break;
            }

            reader.ExpectEnd("command");
            return c;
        }
    }
}
