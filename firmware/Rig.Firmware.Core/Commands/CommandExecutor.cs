namespace Rig.Firmware.Commands
{
    using Rig.Firmware.Capture;
    using Rig.Firmware.Hardware;
    using Rig.Firmware.Loopback;
    using Rig.Firmware.Publishing;
    using Rig.Firmware.Valve;
    using Rig.Protocol;

    /// <summary>
    /// Takes commands from the inbox on the main loop, executes them against the peripherals, and acknowledges
    /// each with device time (unless it asks for no ack). Decodes into a preallocated buffer and reader.
    /// </summary>
    public sealed class CommandExecutor
    {
        private readonly DeviceConfig _config;
        private readonly uint _bootId;
        private readonly CommandInbox _inbox;
        private readonly ValveController _valve;
        private readonly PulseTrain _train;
        private readonly ToneDriver _tone;
        private readonly PositionTriggers _triggers;
        private readonly IDigitalOutputs _outputs;
        private readonly IDeviceLink _link;
        private readonly BatchStore _store;
        private readonly ReplySender _replies;
        private readonly byte[] _commandBuffer;
        private readonly ByteReader _commandReader;
        private uint _commandsExecuted;
        private uint _commandsRejected;
        private uint _malformedCommands;
        private bool _statusRequested;

        public CommandExecutor(DeviceConfig config, uint bootId, CommandInbox inbox, ValveController valve, PulseTrain train,
            ToneDriver tone, PositionTriggers triggers, IDigitalOutputs outputs, IDeviceLink link, BatchStore store, ReplySender replies)
        {
            _config = config;
            _bootId = bootId;
            _inbox = inbox;
            _valve = valve;
            _train = train;
            _tone = tone;
            _triggers = triggers;
            _outputs = outputs;
            _link = link;
            _store = store;
            _replies = replies;
            _commandBuffer = new byte[config.CommandMaxBytes];
            _commandReader = new ByteReader(_commandBuffer, 0, 0);
        }

        public uint CommandsExecuted
        {
            get { return _commandsExecuted; }
        }

        public uint CommandsRejected
        {
            get { return _commandsRejected; }
        }

        public uint MalformedCommands
        {
            get { return _malformedCommands; }
        }

        /// <summary>The frequency of the last tone played: tone monitor edges report it.</summary>
        public ushort ToneFrequencyHz
        {
            get { return _tone.FrequencyHz; }
        }

        /// <summary>When a well-formed command last arrived (any command proves the host alive); set at boot.</summary>
        public ulong LastHostActivityMicros { get; set; }

        /// <summary>Executes every command waiting in the inbox; true when one of them asked for a status.</summary>
        public bool ProcessAll(ulong nowMicros)
        {
            _statusRequested = false;
            while (true)
            {
                ulong receivedMicros;
                int length = _inbox.Take(_commandBuffer, out receivedMicros);
                if (length < 0)
                {
                    return _statusRequested;
                }

                Execute(length, receivedMicros, nowMicros);
            }
        }

        private void Execute(int length, ulong receivedMicros, ulong nowMicros)
        {
            _commandReader.Reset(_commandBuffer, 0, length);
            Command cmd;
            try
            {
                cmd = Command.Read(_commandReader);
            }
            catch (ProtocolException e)
            {
                // Counted, and answered when the command id is readable, so the host fails fast instead of timing out.
                _malformedCommands++;
                if (length >= Command.HeaderSize && _commandBuffer[0] == (byte)MessageType.Command)
                {
                    uint id = (uint)_commandBuffer[4] | ((uint)_commandBuffer[5] << 8)
                        | ((uint)_commandBuffer[6] << 16) | ((uint)_commandBuffer[7] << 24);
                    AckResult result = e.Error == ProtocolError.InvalidField && e.Field == "opcode"
                        ? AckResult.UnknownOpcode
                        : AckResult.BadPayload;
                    _replies.SendAck(result, (CommandOpcode)_commandBuffer[2], id, nowMicros, (uint)e.Error);
                }

                return;
            }

            // Any well-formed command proves the host is alive, an acknowledgement batch (NoAck) included.
            LastHostActivityMicros = nowMicros;

            if (cmd.TargetBootId != 0 && cmd.TargetBootId != _bootId)
            {
                _commandsRejected++;
                if ((cmd.Flags & CommandFlags.NoAck) == 0)
                {
                    _replies.SendAck(AckResult.WrongBoot, cmd.Opcode, cmd.CommandId, nowMicros, _bootId);
                }

                return;
            }

            uint detail = 0;
            AckResult outcome = AckResult.Ok;
            switch (cmd.Opcode)
            {
                case CommandOpcode.Ping:
                    break;
                case CommandOpcode.PulseValve:
                    outcome = _valve.TryPulse(cmd.Channel, cmd.DurationMicros, nowMicros, out detail);
                    if (outcome == AckResult.Ok)
                    {
                        detail = cmd.DurationMicros;
                    }

                    break;
                case CommandOpcode.AckBatches:
                    _store.Acknowledge(cmd.BatchSeq);
                    break;
                case CommandOpcode.ResendBatches:
                    uint firstMissing;
                    if (!_store.MarkForResend(cmd.BatchSeq, cmd.BatchCount, out firstMissing))
                    {
                        // The store holds one contiguous range, so whatever is missing lies below its oldest batch:
                        // naming that settles the whole request in one answer.
                        outcome = AckResult.Unavailable;
                        detail = _store.OldestHeldSeq;
                    }

                    if (_link.IsConnected)
                    {
                        _store.PublishPending(_link);
                    }

                    break;
                case CommandOpcode.SetOutput:
                    if (cmd.Channel >= _outputs.ChannelCount || cmd.Level > 1)
                    {
                        outcome = AckResult.OutOfRange;
                        detail = (uint)_outputs.ChannelCount;
                    }
                    else
                    {
                        _outputs.Write(cmd.Channel, cmd.Level);
                    }

                    break;
                case CommandOpcode.PlayTone:
                    outcome = _tone.TryPlay(cmd.FrequencyHz, cmd.DurationMicros, out detail);
                    break;
                case CommandOpcode.SyncRequest:
                    _commandsExecuted++;
                    _replies.SendSyncReply(cmd.CommandId, cmd.HostTime, receivedMicros);
                    return;
                case CommandOpcode.RequestStatus:
                    _statusRequested = true;
                    break;
                case CommandOpcode.ArmReward:
                    outcome = _valve.TryArm(cmd.Channel, cmd.WindowStartMicros, cmd.WindowEndMicros, cmd.DurationMicros, nowMicros, out detail);
                    break;
                case CommandOpcode.Disarm:
                    _valve.Disarm(nowMicros);
                    break;
                case CommandOpcode.PulseTrain:
                    outcome = _train.Start(ref cmd, nowMicros, out detail);
                    break;
                case CommandOpcode.ArmTrigger:
                    outcome = _triggers.Arm(ref cmd, out detail);
                    break;
                case CommandOpcode.ResetTriggers:
                    outcome = _triggers.Reset(ref cmd, out detail);
                    break;
                default:
                    outcome = AckResult.UnknownOpcode;
                    break;
            }

            if (outcome == AckResult.Ok)
            {
                _commandsExecuted++;
            }
            else
            {
                _commandsRejected++;
            }

            if ((cmd.Flags & CommandFlags.NoAck) == 0)
            {
                _replies.SendAck(outcome, cmd.Opcode, cmd.CommandId, nowMicros, detail);
            }
        }
    }
}
