namespace Rig.Firmware
{
    using Rig.Firmware.Capture;
    using Rig.Firmware.Commands;
    using Rig.Firmware.Events;
    using Rig.Firmware.Hardware;
    using Rig.Firmware.Loopback;
    using Rig.Firmware.Publishing;
    using Rig.Firmware.Valve;
    using Rig.Protocol;

    /// <summary>
    /// The managed firmware: one instance per boot, driven by <see cref="Poll"/> from the main loop with the
    /// current device time. Captured edges become numbered events, events become batches, batches are published
    /// and kept until acknowledged; commands are executed and acknowledged with device time; status is published
    /// retained. Every buffer is allocated here, at construction: nothing is allocated per event.
    /// </summary>
    public sealed class RigDevice
    {
        private const int Channels = 16;

        private readonly DeviceConfig _config;
        private readonly IMicrosecondClock _clock;
        private readonly ICaptureSource _capture;
        private readonly ITone _tone;
        private readonly IDigitalOutputs _outputs;
        private readonly IDeviceLink _link;
        private readonly LickDetector[] _lickDetectors;
        private readonly FrameCounter[] _frameCounters;
        private readonly EncoderSampler _encoder;
        private readonly ValveController _valve;
        private readonly PulseTrain _train;
        private readonly EventRing _ring;
        private readonly BatchStore _store;
        private readonly EventBatchWriter _writer;
        private readonly CommandInbox _inbox;
        private readonly CaptureRecord[] _captureBuffer;
        private readonly byte[] _commandBuffer;
        private readonly ByteReader _commandReader;
        private readonly byte[] _replyBuffer;
        private readonly ByteWriter _replyWriter;
        private ulong _batchOpenedMicros;
        private ulong _nextStatusMicros;
        private bool _statusDue;
        private bool _started;
        private ushort _toneFrequencyHz;
        private uint _commandsExecuted;
        private uint _commandsRejected;
        private uint _malformedCommands;
        private uint _repliesDropped;
        private uint _invalidCaptures;
        private ulong _lastHostActivityMicros;
        private readonly long[] _lastEncoderSample;
        private readonly ulong[] _lastEncoderReportMicros;
        private readonly bool[] _encoderReported;

        public RigDevice(DeviceConfig config, uint bootId, IMicrosecondClock clock, ICaptureSource capture, IEncoderCounter encoder,
            IValve valve, ITone tone, IDigitalOutputs outputs, IDeviceLink link)
        {
            Validate(config);
            _config = config;
            BootId = bootId;
            _clock = clock;
            _capture = capture;
            _tone = tone;
            _outputs = outputs;
            _link = link;
            _lickDetectors = new LickDetector[Channels];
            _frameCounters = new FrameCounter[Channels];
            for (int i = 0; i < Channels; i++)
            {
                _lickDetectors[i] = new LickDetector(config.LickDebounceMicros, config.MinInterLickMicros);
                _frameCounters[i] = new FrameCounter();
            }

            _encoder = new EncoderSampler(encoder, config.EncoderSampleIntervalMicros, config.EncoderKeepAliveMicros);
            _lastEncoderSample = new long[Channels];
            _lastEncoderReportMicros = new ulong[Channels];
            _encoderReported = new bool[Channels];
            _valve = new ValveController(valve, config.ValveHardMaxOpenMicros, config.ValveSafetyGraceMicros);
            _train = new PulseTrain(_valve, outputs);
            _ring = new EventRing(config.EventRingCapacity);

            _store = new BatchStore(config.ResendSlots, config.BatchBufferBytes);
            _writer = new EventBatchWriter();
            _inbox = new CommandInbox(config.CommandInboxSlots, config.CommandMaxBytes);
            _captureBuffer = new CaptureRecord[config.CaptureDrainBatch];
            _commandBuffer = new byte[config.CommandMaxBytes];
            _commandReader = new ByteReader(_commandBuffer, 0, 0);
            _replyBuffer = new byte[DeviceStatus.Size];
            _replyWriter = new ByteWriter(_replyBuffer, 0, _replyBuffer.Length);
        }

        /// <summary>Random id of this boot.</summary>
        public uint BootId { get; }

        /// <summary>Events numbered since boot.</summary>
        public ulong EventsCaptured
        {
            get { return _ring.NextSeq; }
        }

        /// <summary>Events numbered and then dropped (ring full).</summary>
        public uint EventsLost
        {
            get { return _ring.Lost; }
        }

        /// <summary>Closed batches not yet acknowledged by the host.</summary>
        public int UnacknowledgedBatches
        {
            get { return _store.Unacknowledged; }
        }

        /// <summary>Events waiting in the ring to be batched.</summary>
        public int PendingEvents
        {
            get { return _ring.Count; }
        }

        public uint BatchesSent
        {
            get { return _store.BatchesSent; }
        }

        public uint BatchesResent
        {
            get { return _store.BatchesResent; }
        }

        /// <summary>Next batch sequence number (= batches created since boot).</summary>
        public uint NextBatchSeq
        {
            get { return _store.NextBatchSeq; }
        }

        /// <summary>True once the host has acknowledged batch <paramref name="batchSeq"/> and every earlier one.</summary>
        public bool IsAcknowledged(uint batchSeq)
        {
            return _store.IsAcknowledged(batchSeq);
        }

        /// <summary>The loopback pulse train (PulseTrain command).</summary>
        public PulseTrain Train
        {
            get { return _train; }
        }

        public uint ValveFaults
        {
            get { return _valve.Faults; }
        }

        /// <summary>Times the valve was shut (or an arming cancelled) because the host fell silent (<see cref="DeviceConfig.HostSilenceCloseMicros"/>).</summary>
        public uint HostSilenceValveCloses
        {
            get { return _valve.HostSilenceCloses; }
        }

        /// <summary>Captured records with a channel outside 0-15: dropped, since the wire carries 4-bit channels.</summary>
        public uint InvalidCaptures
        {
            get { return _invalidCaptures; }
        }

        /// <summary>Acks, sync replies and statuses the link refused (the host sees a timeout).</summary>
        public uint RepliesDropped
        {
            get { return _repliesDropped; }
        }

        /// <summary>Boot: every valve shut, then the Online status (retained) is published.</summary>
        public void Start(ulong nowMicros)
        {
            _valve.CloseAll();
            _tone.Silence();
            _started = true;
            _lastHostActivityMicros = nowMicros;
            PublishStatus(nowMicros);
        }

        /// <summary>Called by the link adapter on its receive thread for each message on the command topic.</summary>
        public bool OfferCommand(byte[] buffer, int offset, int count, ulong receivedMicros)
        {
            return _inbox.Offer(buffer, offset, count, receivedMicros);
        }

        /// <summary>
        /// Called after the link (re)connects: what was in flight may be gone, so resend all unacknowledged batches.
        /// Main-loop thread only (the batch store is not shared with the link's threads).
        /// </summary>
        public void OnLinkConnected()
        {
            _store.MarkAllSentForResend();
            _statusDue = true;
        }

        /// <summary>One main-loop iteration at device time <paramref name="nowMicros"/>.</summary>
        public void Poll(ulong nowMicros)
        {
            if (!_started)
            {
                Start(nowMicros);
            }

            // The encoder is read first so its count belongs to the time it is stamped with.
            long count;
            if (_config.EncoderSampleIntervalMicros != 0 && _encoder.Poll(nowMicros, out count))
            {
                _ring.Push(EventKind.Encoder, 0, count, nowMicros);
            }

            ProcessCommands(nowMicros);

            // Before the drain, so the output edges it makes are numbered in this iteration.
            _train.Poll(nowMicros);
            DrainCapture();
            SettleLicks(nowMicros);

            _valve.Check(nowMicros);

            // After Check, so a valve overdue on its own time is counted as a fault, not as host silence.
            if (nowMicros - _lastHostActivityMicros >= _config.HostSilenceCloseMicros && _valve.CloseForHostSilence(nowMicros))
            {
                // Reported at once rather than at the next heartbeat: the host should learn why no water came.
                _statusDue = true;
            }

            FillBatches(nowMicros, false);
            if (_link.IsConnected)
            {
                _store.PublishPending(_link);
            }

            if (_statusDue || nowMicros >= _nextStatusMicros)
            {
                PublishStatus(nowMicros);
            }
        }

        /// <summary>Closes the open batch now and publishes everything pending (end of a session, shutdown).</summary>
        public void Flush(ulong nowMicros)
        {
            DrainCapture();
            SettleLicks(nowMicros);
            FillBatches(nowMicros, true);
            if (_link.IsConnected)
            {
                _store.PublishPending(_link);
            }
        }

        /// <summary>The current counters as a status message.</summary>
        public DeviceStatus GetStatus(ulong nowMicros)
        {
            DeviceStatus s = new DeviceStatus();
            s.State = DeviceState.Online;
            s.BootId = BootId;
            s.FirmwareMajor = _config.FirmwareMajor;
            s.FirmwareMinor = _config.FirmwareMinor;
            s.FirmwarePatch = _config.FirmwarePatch;
            s.UptimeMicros = nowMicros;
            s.EventsCaptured = _ring.NextSeq;
            s.EventsLost = _ring.Lost;
            s.BatchesSent = _store.BatchesSent;
            s.BatchesResent = _store.BatchesResent;
            s.UnackedBatches = (uint)_store.SentUnacknowledged;
            s.CommandsExecuted = _commandsExecuted;
            s.CommandsRejected = _commandsRejected;
            s.ValveFaults = _valve.Faults;
            s.HostSilenceValveCloses = _valve.HostSilenceCloses > 0xFFFF ? (ushort)0xFFFF : (ushort)_valve.HostSilenceCloses;
            s.MalformedCommands = _malformedCommands;
            s.CommandsDropped = _inbox.Dropped + _inbox.Oversized;
            s.CaptureOverflows = _capture.Overflows;
            return s;
        }

        /// <summary>
        /// Writes the Offline status the broker should publish as this device's last will; returns its length.
        /// The link adapter registers it when it connects.
        /// </summary>
        public int WriteOfflineStatus(byte[] buffer)
        {
            DeviceStatus s = new DeviceStatus();
            s.State = DeviceState.Offline;
            s.BootId = BootId;
            s.FirmwareMajor = _config.FirmwareMajor;
            s.FirmwareMinor = _config.FirmwareMinor;
            s.FirmwarePatch = _config.FirmwarePatch;
            ByteWriter w = new ByteWriter(buffer, 0, buffer.Length);
            s.Write(w);
            return w.Position;
        }

        private void DrainCapture()
        {
            while (true)
            {
                int n = _capture.Drain(_captureBuffer);
                for (int i = 0; i < n; i++)
                {
                    OnCapture(ref _captureBuffer[i]);
                }

                if (n < _captureBuffer.Length)
                {
                    return;
                }
            }
        }

        private void SettleLicks(ulong nowMicros)
        {
            for (int ch = 0; ch < Channels; ch++)
            {
                LickDetector detector = _lickDetectors[ch];
                if (detector.HasPending)
                {
                    ulong at;
                    int lick = detector.Settle(nowMicros, out at);
                    if (lick != LickDetector.None)
                    {
                        _ring.Push(EventKind.Lick, (byte)ch, lick, at);
                    }
                }
            }
        }

        private void OnCapture(ref CaptureRecord r)
        {
            if (r.Channel >= Channels)
            {
                _invalidCaptures++;
                return;
            }

            byte ch = r.Channel;
            switch (r.Line)
            {
                case CaptureLine.Lick:
                    ulong at;
                    int lick = _lickDetectors[ch].OnEdge(r.DeviceMicros, r.Level, out at);
                    if (lick != LickDetector.None)
                    {
                        _ring.Push(EventKind.Lick, ch, lick, at);
                    }

                    break;
                case CaptureLine.FrameClock:
                    long frame = _frameCounters[ch].OnEdge(r.Level);
                    if (frame != FrameCounter.None)
                    {
                        _ring.Push(EventKind.Frame, ch, frame, r.DeviceMicros);
                    }

                    break;
                case CaptureLine.Photodiode:
                    _ring.Push(EventKind.Photodiode, ch, r.Level, r.DeviceMicros);
                    break;
                case CaptureLine.Ttl:
                    _ring.Push(EventKind.Ttl, ch, r.Level, r.DeviceMicros);
                    break;
                case CaptureLine.ValveMonitor:
                    _valve.OnValveEdge(ch, r.Level, r.DeviceMicros);
                    _ring.Push(EventKind.Valve, ch, r.Level != 0 ? (long)_valve.LastCommandedMicros(ch) : 0, r.DeviceMicros);
                    break;
                case CaptureLine.EncoderSample:
                    // Same rule as the main-loop sampler: report a change at once, an unchanged count only as a
                    // keep-alive, so a still wheel does not cost 1000 events a second.
                    if (!_encoderReported[ch] || r.Value != _lastEncoderSample[ch]
                        || r.DeviceMicros - _lastEncoderReportMicros[ch] >= _config.EncoderKeepAliveMicros)
                    {
                        _encoderReported[ch] = true;
                        _lastEncoderSample[ch] = r.Value;
                        _lastEncoderReportMicros[ch] = r.DeviceMicros;
                        _ring.Push(EventKind.Encoder, ch, r.Value, r.DeviceMicros);
                    }

                    break;
                case CaptureLine.ToneMonitor:
                    _ring.Push(EventKind.Tone, ch, r.Level != 0 ? (long)_toneFrequencyHz : 0, r.DeviceMicros);
                    break;
                case CaptureLine.SyncMonitor:
                    _ring.Push(EventKind.SyncOut, ch, r.Level, r.DeviceMicros);
                    break;
                default:
                    break;
            }
        }

        private void FillBatches(ulong nowMicros, bool closeNow)
        {
            while (_ring.Count > 0)
            {
                EventRecord record;
                ulong seq;
                uint lostBefore;
                if (!_writer.IsOpen)
                {
                    if (_store.IsFull)
                    {
                        // Host not acknowledging: events wait in the ring; past its capacity they are counted as lost.
                        break;
                    }

                    _ring.PeekOldest(out record, out seq, out lostBefore);
                    uint batchSeq;
                    byte[] buffer = _store.Open(out batchSeq);
                    _writer.Begin(buffer, 0, buffer.Length, BootId, batchSeq, seq, record.DeviceMicros, lostBefore,
                        _config.MaxBatchRecords);
                    _batchOpenedMicros = nowMicros;
                }

                _ring.PeekOldest(out record, out seq, out lostBefore);
                if (seq != _writer.NextEventSeq)
                {
                    // The ring dropped events here: a batch holds consecutive numbers, so the gap falls between batches.
                    CloseBatch();
                    continue;
                }

                if (!_writer.TryAppend(record.Kind, record.Channel, record.Value, record.DeviceMicros))
                {
                    if (_writer.RecordCount == 0)
                    {
                        throw new System.InvalidOperationException("an empty batch refused a record: BatchBufferBytes too small");
                    }

                    CloseBatch();
                    continue;
                }

                _ring.RemoveOldest();
            }

            if (_writer.IsOpen && _writer.RecordCount > 0
                && (closeNow || nowMicros - _batchOpenedMicros >= _config.MaxBatchAgeMicros))
            {
                CloseBatch();
            }
        }

        private void CloseBatch()
        {
            int count = _writer.RecordCount;
            int length = _writer.Finish();
            _store.Close(length, (ushort)count);
        }

        private void ProcessCommands(ulong nowMicros)
        {
            while (true)
            {
                ulong receivedMicros;
                int length = _inbox.Take(_commandBuffer, out receivedMicros);
                if (length < 0)
                {
                    return;
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
                    SendAck(result, (CommandOpcode)_commandBuffer[2], id, nowMicros, (uint)e.Error);
                }

                return;
            }

            // Any well-formed command proves the host is alive, an acknowledgement batch (NoAck) included.
            _lastHostActivityMicros = nowMicros;

            if (cmd.TargetBootId != 0 && cmd.TargetBootId != BootId)
            {
                _commandsRejected++;
                if ((cmd.Flags & CommandFlags.NoAck) == 0)
                {
                    SendAck(AckResult.WrongBoot, cmd.Opcode, cmd.CommandId, nowMicros, BootId);
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
                    if (cmd.FrequencyHz == 0 || cmd.DurationMicros == 0 || cmd.DurationMicros > _config.ToneMaxMicros)
                    {
                        outcome = AckResult.OutOfRange;
                        detail = _config.ToneMaxMicros;
                    }
                    else
                    {
                        _toneFrequencyHz = cmd.FrequencyHz;
                        _tone.Play(cmd.FrequencyHz, cmd.DurationMicros);
                    }

                    break;
                case CommandOpcode.SyncRequest:
                    _commandsExecuted++;
                    SendSyncReply(cmd.CommandId, cmd.HostTime, receivedMicros, nowMicros);
                    return;
                case CommandOpcode.RequestStatus:
                    _statusDue = true;
                    break;
                case CommandOpcode.ArmReward:
                    outcome = _valve.TryArm(cmd.Channel, cmd.WindowStartMicros, cmd.WindowEndMicros, cmd.DurationMicros, nowMicros, out detail);
                    break;
                case CommandOpcode.Disarm:
                    _valve.Disarm();
                    break;
                case CommandOpcode.PulseTrain:
                    outcome = _train.Start(ref cmd, nowMicros, out detail);
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
                SendAck(outcome, cmd.Opcode, cmd.CommandId, nowMicros, detail);
            }
        }

        private void SendAck(AckResult result, CommandOpcode opcode, uint commandId, ulong nowMicros, uint detail)
        {
            Ack ack = new Ack();
            ack.Result = result;
            ack.Opcode = opcode;
            ack.CommandId = commandId;
            ack.BootId = BootId;
            ack.DeviceMicros = nowMicros;
            ack.Detail = detail;
            _replyWriter.Reset(_replyBuffer, 0, _replyBuffer.Length);
            ack.Write(_replyWriter);
            Reply(TopicKind.Ack, false);
        }

        private void SendSyncReply(uint commandId, ulong hostTime, ulong receivedMicros, ulong nowMicros)
        {
            SyncReply reply = new SyncReply();
            reply.CommandId = commandId;
            reply.BootId = BootId;
            reply.HostTime = hostTime;
            reply.DeviceReceiveMicros = receivedMicros;

            // Read now, not at the start of the loop iteration: the exchange's accuracy depends on it.
            reply.DeviceReplyMicros = _clock.NowMicros;
            _replyWriter.Reset(_replyBuffer, 0, _replyBuffer.Length);
            reply.Write(_replyWriter);
            Reply(TopicKind.Sync, false);
        }

        private void PublishStatus(ulong nowMicros)
        {
            _nextStatusMicros = nowMicros + _config.StatusIntervalMicros;
            if (!_link.IsConnected)
            {
                // Sent on reconnect (OnLinkConnected); not a dropped reply.
                _statusDue = true;
                return;
            }

            DeviceStatus s = GetStatus(nowMicros);
            _replyWriter.Reset(_replyBuffer, 0, _replyBuffer.Length);
            s.Write(_replyWriter);
            _statusDue = !Reply(TopicKind.Status, true);
        }

        private static void Validate(DeviceConfig c)
        {
            if (c.MaxBatchRecords < 1 || c.MaxBatchRecords > WireLimits.MaxRecordsPerBatch)
            {
                throw new System.ArgumentException("MaxBatchRecords must be 1 to " + WireLimits.MaxRecordsPerBatch.ToString());
            }

            if (c.BatchBufferBytes < EventBatchHeader.Size + WireLimits.MaxRecordBytes || c.BatchBufferBytes > WireLimits.MaxMessageBytes)
            {
                throw new System.ArgumentException("BatchBufferBytes must hold a header and one record (57) and at most " + WireLimits.MaxMessageBytes.ToString());
            }

            if (c.ValveHardMaxOpenMicros < 1 || c.ValveHardMaxOpenMicros > DeviceConfig.ValveCeilingMicros)
            {
                throw new System.ArgumentException("ValveHardMaxOpenMicros must be 1 to " + DeviceConfig.ValveCeilingMicros.ToString() + " µs");
            }

            if (c.HostSilenceCloseMicros < 1)
            {
                throw new System.ArgumentException("HostSilenceCloseMicros must be at least 1 µs (the valve must close when the host falls silent)");
            }

            if (c.CommandMaxBytes < Command.MaxSize)
            {
                throw new System.ArgumentException("CommandMaxBytes must hold the largest command (" + Command.MaxSize.ToString() + " bytes)");
            }

            if (c.EventRingCapacity < 1 || c.ResendSlots < 2 || c.CommandInboxSlots < 1 || c.CaptureDrainBatch < 1)
            {
                throw new System.ArgumentException("EventRingCapacity, CommandInboxSlots and CaptureDrainBatch must be at least 1, ResendSlots at least 2");
            }
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
