using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Rig.Firmware;
using Rig.Firmware.Hardware;
using Rig.Protocol;
using Rig.VirtualRig.Models;
using Rig.VirtualRig.Peripherals;

namespace Rig.Bench.Perf;

/// <summary>
/// The firmware core (<see cref="RigDevice"/>) against the virtual rig's peripherals (mouse, 30 Hz scanner, valve), ticked
/// in virtual µs exactly as <c>VirtualRig</c> ticks it, but with a link that only counts (and optionally keeps the event
/// batches) and a host that acknowledges at once. What the benchmarks generate their realistic traffic with, and what the
/// firmware and simulator figures are measured on.
/// </summary>
internal sealed class SimRig
{
    /// <summary>The device's main loop period, µs (VirtualRigOptions.TickMicros).</summary>
    public const uint TickMicros = 1000;

    /// <summary>A water pulse this often (µs of virtual time), so the mix holds valve events and the licks that follow water.</summary>
    private const ulong RewardEveryMicros = 10_000_000;

    private readonly VirtualClock _clock = new();
    private readonly SimCaptureSource _capture;
    private readonly CountingLink _link;
    private readonly byte[] _command = new byte[Command.MaxSize];
    private readonly ByteWriter _commandWriter;
    private uint _nextCommandId = 1;
    private uint _ackedThrough = uint.MaxValue;
    private ulong _nextRewardMicros = RewardEveryMicros;

    public SimRig(int seed, bool keepBatches, DeviceConfig? config = null)
    {
        var random = new Random(seed);
        BootId = (uint)random.Next(1, int.MaxValue);
        config ??= new DeviceConfig();
        _capture = new SimCaptureSource(_clock, new SimCaptureOptions(), config.ValveHardMaxOpenMicros);
        var mouse = new MouseModel(new MouseOptions(), random.Next(), _clock, 4096 / (Math.PI * 20));
        var scanner = new ScannerModel(new ScannerOptions(), random.Next());
        _capture.AddInput(mouse);
        _capture.AddInput(scanner);
        _capture.AttachWheel(mouse);
        _capture.ValveOpened += mouse.OnWater;
        _capture.Start();
        _link = new CountingLink(keepBatches);
        _commandWriter = new ByteWriter(_command, 0, _command.Length);
        Device = new RigDevice(config, BootId, _clock, _capture, _capture, new SimValve(_capture), new SimTone(_capture),
            new SimOutputs(_capture), _link);
        Device.Start(_clock.NowMicros);
    }

    public uint BootId { get; }

    public RigDevice Device { get; }

    public ulong NowMicros => _clock.NowMicros;

    /// <summary>True when the last <see cref="Poll"/> offered a water pulse (the simulated valve allocates its command closure).</summary>
    public bool PulsedLastPoll { get; private set; }

    /// <summary>Event batches published (with their records and bytes) and other messages.</summary>
    public CountingLink Link => _link;

    /// <summary>One main-loop iteration: time advances, the peripherals catch up, the core polls, the host acknowledges.</summary>
    public void Tick()
    {
        Advance();
        Poll();
    }

    /// <summary>The simulated world's part of a tick: virtual time advances and the peripherals produce their edges up to it.</summary>
    public void Advance()
    {
        _clock.AdvanceTo(_clock.NowMicros + TickMicros);
        _capture.CatchUp();
    }

    /// <summary>
    /// The firmware core's part of a tick: commands in, drain, debounce, batch, encode, publish. The acknowledgement the host
    /// would send is offered here too (the core decodes and executes it), every 20 ms like the bridge's 100 ms but sooner, so
    /// the resend store never fills.
    /// </summary>
    public void Poll()
    {
        ulong now = _clock.NowMicros;
        PulsedLastPoll = now >= _nextRewardMicros;
        if (PulsedLastPoll)
        {
            _nextRewardMicros += RewardEveryMicros;
            Offer(new Command { Opcode = CommandOpcode.PulseValve, Channel = 0, DurationMicros = 40_000 }, now);
        }

        if (_link.Batches > 0 && _link.LastBatchSeq != _ackedThrough && now % 20_000 == 0)
        {
            _ackedThrough = _link.LastBatchSeq;
            Offer(new Command { Opcode = CommandOpcode.AckBatches, Flags = CommandFlags.NoAck, BatchSeq = _ackedThrough }, now);
        }

        Device.Poll(now);
    }

    /// <summary>Runs <paramref name="seconds"/> of virtual time.</summary>
    public void RunFor(double seconds)
    {
        ulong end = _clock.NowMicros + (ulong)(seconds * 1e6);
        while (_clock.NowMicros < end)
        {
            Tick();
        }
    }

    private void Offer(Command command, ulong now)
    {
        command.CommandId = _nextCommandId++;
        command.TargetBootId = BootId;
        _commandWriter.Reset(_command, 0, _command.Length);
        command.Write(_commandWriter);
        Device.OfferCommand(_command, 0, _commandWriter.Position, now);
    }

    /// <summary>A device link that counts what the core publishes; keeps copies of the event batches only when asked.</summary>
    internal sealed class CountingLink(bool keepBatches) : IDeviceLink
    {
        /// <summary>Copies of every event batch, in publish order (null unless asked for).</summary>
        public List<byte[]>? Kept { get; } = keepBatches ? [] : null;

        public long Batches { get; private set; }

        public long BatchBytes { get; private set; }

        public long BatchRecords { get; private set; }

        public long OtherMessages { get; private set; }

        public long OtherBytes { get; private set; }

        public uint LastBatchSeq { get; private set; }

        public bool IsConnected => true;

        public bool Publish(TopicKind topic, byte[] buffer, int offset, int count, bool retain)
        {
            if (topic != TopicKind.Events)
            {
                OtherMessages++;
                OtherBytes += count;
                return true;
            }

            Batches++;
            BatchBytes += count;
            BatchRecords += BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(offset + EventBatchHeader.RecordCountOffset, 2));
            LastBatchSeq = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(offset + 8, 4));
            Kept?.Add(buffer.AsSpan(offset, count).ToArray());
            return true;
        }
    }
}
