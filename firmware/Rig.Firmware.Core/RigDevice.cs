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
    /// retained. The parts doing each job (<see cref="CaptureRouter"/>, <see cref="EventBatcher"/>,
    /// <see cref="CommandExecutor"/>, <see cref="ReplySender"/>) and every buffer are built here, at construction:
    /// nothing is allocated per event.
    /// </summary>
    public sealed class RigDevice
    {
        private readonly DeviceConfig _config;
        private readonly ICaptureSource _capture;
        private readonly ITone _tone;
        private readonly IDeviceLink _link;
        private readonly EncoderSampler _encoder;
        private readonly ValveController _valve;
        private readonly PulseTrain _train;
        private readonly EventRing _ring;
        private readonly BatchStore _store;
        private readonly CommandInbox _inbox;
        private readonly CaptureRouter _router;
        private readonly EventBatcher _batcher;
        private readonly ReplySender _replies;
        private readonly CommandExecutor _commands;
        private readonly ToneDriver _toneDriver;
        private readonly PositionTriggers _triggers;
        private ulong _nextStatusMicros;
        private bool _statusDue;
        private bool _started;

        public RigDevice(DeviceConfig config, uint bootId, IMicrosecondClock clock, ICaptureSource capture, IEncoderCounter encoder,
            IValve valve, ITone tone, IDigitalOutputs outputs, IDeviceLink link)
        {
            Validate(config);
            _config = config;
            BootId = bootId;
            _capture = capture;
            _tone = tone;
            _link = link;
            _valve = new ValveController(valve, config.ValveHardMaxOpenMicros, config.ValveSafetyGraceMicros, WaterBudget.FromConfig(config));
            _train = new PulseTrain(_valve, outputs);
            _ring = new EventRing(config.EventRingCapacity);
            _toneDriver = new ToneDriver(tone, config.ToneMaxMicros);
            _triggers = new PositionTriggers(_ring, _valve, _toneDriver);
            _encoder = new EncoderSampler(encoder, config.EncoderSampleIntervalMicros, config.EncoderKeepAliveMicros, _triggers);

            _store = new BatchStore(config.ResendSlots, config.BatchBufferBytes);
            _inbox = new CommandInbox(config.CommandInboxSlots, config.CommandMaxBytes);
            _router = new CaptureRouter(config, capture, _ring, _valve, _triggers);
            _batcher = new EventBatcher(config, bootId, _ring, _store);
            _replies = new ReplySender(bootId, clock, link);
            _commands = new CommandExecutor(config, bootId, _inbox, _valve, _train, _toneDriver, _triggers, outputs, link, _store, _replies);
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

        /// <summary>Device time of the last encoder sample put in the event ring, µs (the keep-alive's phase follows it).</summary>
        public ulong LastEncoderReportMicros
        {
            get { return _encoder.LastReportMicros; }
        }

        /// <summary>The position triggers (ArmTrigger, ResetTriggers).</summary>
        public PositionTriggers Triggers
        {
            get { return _triggers; }
        }

        public uint ValveFaults
        {
            get { return _valve.Faults; }
        }

        /// <summary>The valve's water budget (what it has charged and refused).</summary>
        public WaterBudget WaterBudget
        {
            get { return _valve.Budget; }
        }

        /// <summary>Times the valve was shut (or an arming cancelled) because the host fell silent (<see cref="DeviceConfig.HostSilenceCloseMicros"/>).</summary>
        public uint HostSilenceValveCloses
        {
            get { return _valve.HostSilenceCloses; }
        }

        /// <summary>Captured records with a channel outside 0-15: dropped, since the wire carries 4-bit channels.</summary>
        public uint InvalidCaptures
        {
            get { return _router.InvalidCaptures; }
        }

        /// <summary>Acks, sync replies and statuses the link refused (the host sees a timeout).</summary>
        public uint RepliesDropped
        {
            get { return _replies.RepliesDropped; }
        }

        /// <summary>Boot: every valve shut, then the Online status (retained) is published.</summary>
        public void Start(ulong nowMicros)
        {
            _valve.CloseAll();
            _tone.Silence();
            _started = true;
            _commands.LastHostActivityMicros = nowMicros;
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
                _triggers.OnEncoderSample(0, count, nowMicros, nowMicros);
            }

            if (_commands.ProcessAll(nowMicros))
            {
                _statusDue = true;
            }

            // Before the drain, so the output edges it makes are numbered in this iteration.
            _train.Poll(nowMicros);
            _router.Drain(_commands.ToneFrequencyHz, nowMicros);
            _router.SettleLicks(nowMicros);

            _valve.Check(nowMicros);

            // After Check, so a valve overdue on its own time is counted as a fault, not as host silence.
            if (nowMicros - _commands.LastHostActivityMicros >= _config.HostSilenceCloseMicros && _valve.CloseForHostSilence(nowMicros))
            {
                // Reported at once rather than at the next heartbeat: the host should learn why no water came.
                _statusDue = true;
            }

            _batcher.Fill(nowMicros, false);
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
            _router.Drain(_commands.ToneFrequencyHz, nowMicros);
            _router.SettleLicks(nowMicros);
            _batcher.Fill(nowMicros, true);
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
            s.BufferSeconds = BufferBudget.StatusSeconds(_config);
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
            s.CommandsExecuted = _commands.CommandsExecuted;
            s.CommandsRejected = _commands.CommandsRejected;
            s.ValveFaults = _valve.Faults;
            s.HostSilenceValveCloses = _valve.HostSilenceCloses > 0xFFFF ? (ushort)0xFFFF : (ushort)_valve.HostSilenceCloses;
            s.MalformedCommands = _commands.MalformedCommands;
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

        private void PublishStatus(ulong nowMicros)
        {
            _nextStatusMicros = nowMicros + _config.StatusIntervalMicros;
            if (!_link.IsConnected)
            {
                // Sent on reconnect (OnLinkConnected); not a dropped reply.
                _statusDue = true;
                return;
            }

            _statusDue = !_replies.SendStatus(GetStatus(nowMicros));
        }

        /// <summary>
        /// Throws <see cref="System.ArgumentException"/> naming the setting when <paramref name="c"/> cannot run a device (the
        /// constructor's check). Public so the ESP32 application can report a bad settings file at boot and <c>rig flash</c>
        /// can refuse one before writing it.
        /// </summary>
        public static void Validate(DeviceConfig c)
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

            if (c.WaterWindowMicros < 1 || c.WaterWindowMaxOpenMicros < 1 || c.WaterWindowMaxOpenings < 1 || c.WaterWindowMaxOpenings > DeviceConfig.WaterWindowOpeningsCeiling)
            {
                throw new System.ArgumentException("WaterWindowMicros and WaterWindowMaxOpenMicros must be at least 1 µs, WaterWindowMaxOpenings 1 to "
                    + DeviceConfig.WaterWindowOpeningsCeiling.ToString());
            }

            // The session window's buckets reach back over an arm window too (WaterBudget's look-back); a session window at
            // least that long keeps their table under 130 entries, where a short one would ask for millions.
            if (c.WaterSessionWindowMicros < c.WaterWindowMicros || c.WaterSessionWindowMicros < c.WaterArmMaxWindowMicros || c.WaterSessionMaxOpenMicros < 1)
            {
                throw new System.ArgumentException("WaterSessionWindowMicros must be at least WaterWindowMicros and WaterArmMaxWindowMicros, WaterSessionMaxOpenMicros at least 1 µs");
            }

            if (c.WaterArmMaxWindowMicros < PositionTriggers.ZoneWindowMicros || c.WaterArmMaxWindowMicros > DeviceConfig.WaterArmWindowCeilingMicros)
            {
                throw new System.ArgumentException("WaterArmMaxWindowMicros must be " + PositionTriggers.ZoneWindowMicros.ToString() + " to "
                    + DeviceConfig.WaterArmWindowCeilingMicros.ToString() + " µs (a position trigger's reward zone is armed for "
                    + PositionTriggers.ZoneWindowMicros.ToString() + " µs)");
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
    }
}
